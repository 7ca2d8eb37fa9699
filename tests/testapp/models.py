from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """Test user with the ``branch`` attribute that the default visibility hook reads."""

    branch = models.ForeignKey(
        settings.MESSENGER_BRANCH_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
