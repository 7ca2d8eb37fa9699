import os

import pytest
from django.contrib.auth.models import Permission

# The widget page in the browser tests runs on "localhost", so the CRM must
# listen on "127.0.0.1" for the two to be different origins.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")


@pytest.fixture
def messenger_admin(django_user_model):
    """A user who is not a superuser but has the messenger's admin permission."""
    user = django_user_model.objects.create_user(username="manager", password="password-123")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="messenger", codename="manage_messenger")
    )
    return user


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client
