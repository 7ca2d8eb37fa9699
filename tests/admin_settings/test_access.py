import pytest
from django.test import override_settings
from django.urls import reverse

from django_crm_messenger.models import Inbox, RoutingRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule(inbox):
    return RoutingRule.objects.create(region="Москва", inbox=inbox, priority=10)


def settings_urls(inbox: Inbox, rule: RoutingRule) -> list[tuple[str, str]]:
    """Every settings page and form action with the methods it accepts."""
    urls = [
        ("get", reverse("messenger:settings-inboxes")),
        ("get", reverse("messenger:settings-inbox-create")),
        ("post", reverse("messenger:settings-inbox-create")),
        ("get", reverse("messenger:settings-inbox-edit", args=[inbox.pk])),
        ("post", reverse("messenger:settings-inbox-edit", args=[inbox.pk])),
        ("get", reverse("messenger:settings-inbox-regenerate-token", args=[inbox.pk])),
        ("post", reverse("messenger:settings-inbox-regenerate-token", args=[inbox.pk])),
        ("get", reverse("messenger:settings-routing")),
        ("get", reverse("messenger:settings-routing-create")),
        ("post", reverse("messenger:settings-routing-create")),
        ("get", reverse("messenger:settings-routing-edit", args=[rule.pk])),
        ("post", reverse("messenger:settings-routing-edit", args=[rule.pk])),
        ("get", reverse("messenger:settings-health")),
        ("get", reverse("messenger:settings-health") + "?format=json"),
        ("get", reverse("messenger:settings-health-json")),
    ]
    for action in ("up", "down", "activate", "deactivate", "delete"):
        urls.append(("post", reverse("messenger:settings-routing-action", args=[rule.pk, action])))
    return urls


POST_DATA = {
    "name": "Hijacked",
    "branch": "1",
    "is_active": "on",
    "region": "Казань",
    "priority": "1",
    "widget_color": "#000000",
    "name_field": "optional",
    "email_field": "optional",
    "phone_field": "hidden",
}


def assert_nothing_changed(inbox: Inbox, rule: RoutingRule) -> None:
    stored_inbox = Inbox.objects.get(pk=inbox.pk)
    stored_rule = RoutingRule.objects.get(pk=rule.pk)
    assert stored_inbox.name == inbox.name
    assert stored_inbox.widget_token == inbox.widget_token
    assert stored_rule.is_active is True
    assert stored_rule.priority == 10
    assert Inbox.objects.count() == 1
    assert RoutingRule.objects.count() == 1


def test_operator_gets_403_everywhere(client, operator_a, inbox, rule):
    client.force_login(operator_a)

    for method, url in settings_urls(inbox, rule):
        response = getattr(client, method)(url, POST_DATA)
        assert response.status_code == 403, (method, url)

    assert_nothing_changed(inbox, rule)


def test_staff_without_permission_gets_403(client, django_user_model, inbox, rule):
    staff = django_user_model.objects.create_user(
        username="staff", password="password-123", is_staff=True
    )
    client.force_login(staff)

    for method, url in settings_urls(inbox, rule):
        response = getattr(client, method)(url, POST_DATA)
        assert response.status_code == 403, (method, url)


def test_anonymous_redirected_to_login(client, inbox, rule):
    for method, url in settings_urls(inbox, rule):
        response = getattr(client, method)(url, POST_DATA)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith("/login/?next="), (method, url)

    assert_nothing_changed(inbox, rule)


def test_permission_holder_allowed(client, messenger_admin, inbox, rule):
    client.force_login(messenger_admin)

    for method, url in settings_urls(inbox, rule):
        if method == "get":
            response = client.get(url)
            assert response.status_code in (200, 503), url


def test_superuser_allowed(admin_client, inbox, rule):
    for method, url in settings_urls(inbox, rule):
        if method == "get":
            response = admin_client.get(url)
            assert response.status_code in (200, 503), url


def test_forms_require_csrf_token(admin_user, inbox, rule):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)

    for method, url in settings_urls(inbox, rule):
        if method == "post":
            assert client.post(url, POST_DATA).status_code == 403, url

    assert_nothing_changed(inbox, rule)


def test_pages_404_while_disabled(admin_client, inbox, rule):
    with override_settings(MESSENGER_ENABLED=False):
        for method, url in settings_urls(inbox, rule):
            response = getattr(admin_client, method)(url, POST_DATA)
            assert response.status_code == 404, (method, url)


def test_action_pages_reject_get(admin_client, rule):
    url = reverse("messenger:settings-routing-action", args=[rule.pk, "delete"])

    assert admin_client.get(url).status_code == 405
    assert RoutingRule.objects.filter(pk=rule.pk).exists()


def test_unknown_action_is_404(admin_client, rule):
    response = admin_client.post(f"/settings/messenger/routing/{rule.pk}/explode/")

    assert response.status_code == 404
