"""POST config: an inbox's widget settings without a session, answered from the cache."""

import pytest
from django.test import override_settings
from django.urls import reverse

from django_crm_messenger.models import Contact, Conversation, Inbox, Message
from django_crm_messenger.services.inboxes import regenerate_widget_token, set_inbox_active

from ..conftest import WidgetClient
from .conftest import requires_redis

pytestmark = [pytest.mark.django_db, requires_redis]


def config(client: WidgetClient, inbox_or_token, **data):
    token = getattr(inbox_or_token, "widget_token", inbox_or_token)
    return client.post("config", {"widget_token": token, **data})


def stored_rows() -> tuple[int, int, int]:
    return Conversation.objects.count(), Contact.objects.count(), Message.objects.count()


def test_url_name():
    assert reverse("messenger:widget-config") == "/api/widget/config/"


def test_returns_widget_settings(widget, inbox):
    inbox.widget_color = "#AA3300"
    inbox.email_field = "required"
    inbox.phone_field = "hidden"
    inbox.widget_locale = "ru"
    inbox.save()

    response = config(widget, inbox)

    assert response.status_code == 200
    assert response.json() == {
        "widget": {
            "title": "Chat with the shop",
            "greeting": "Hello! How can we help?",
            "color": "#AA3300",
            "locale": "ru",
            "fields": {"name": inbox.name_field, "email": "required", "phone": "hidden"},
        },
        "poll_interval_ms": 3000,
    }
    assert response["Access-Control-Allow-Origin"] == "https://shop.example.com"
    assert response["Cache-Control"] == "no-store"


def test_locale_follows_request_without_inbox_locale(widget, inbox):
    assert config(widget, inbox, locale="ru-RU").json()["widget"]["locale"] == "ru"
    assert config(widget, inbox, locale="en").json()["widget"]["locale"] == "en"


def test_same_settings_as_bootstrap(widget, inbox):
    settings_from_config = config(widget, inbox, locale="en").json()["widget"]
    settings_from_bootstrap = widget.bootstrap(inbox, locale="en").json()["widget"]

    assert settings_from_config == settings_from_bootstrap


def test_creates_no_rows(widget, inbox):
    before = stored_rows()

    for _ in range(3):
        assert config(widget, inbox).status_code == 200
    config(widget, inbox, honeypot="filled by a bot")

    assert stored_rows() == before == (0, 0, 0)


def test_records_widget_load(widget, inbox):
    config(widget, inbox)

    inbox.refresh_from_db()
    assert inbox.last_loaded_at is not None
    assert inbox.last_loaded_origin == "https://shop.example.com"


@pytest.mark.django_db(transaction=True)
def test_warm_cache_makes_no_queries(inbox, django_assert_num_queries):
    client = WidgetClient()
    assert config(client, inbox).status_code == 200  # caches the inbox's state

    for _ in range(3):
        with django_assert_num_queries(0):
            response = config(client, inbox)
        assert response.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_unknown_token_warm_cache_makes_no_queries(inbox, django_assert_num_queries):
    client = WidgetClient()
    assert config(client, "no-such-token").status_code == 404

    with django_assert_num_queries(0):
        assert config(client, "no-such-token").status_code == 404


def test_settings_change_shows_at_once(widget, inbox, django_capture_on_commit_callbacks):
    config(widget, inbox)
    inbox.widget_color = "#00AA55"
    with django_capture_on_commit_callbacks(execute=True):
        inbox.save()

    assert config(widget, inbox).json()["widget"]["color"] == "#00AA55"


# Errors, in the order the checks run ----------------------------------------


def test_disabled_404_exact_body(widget, inbox):
    with override_settings(MESSENGER_ENABLED=False):
        response = config(widget, inbox)

    assert response.status_code == 404
    assert response.json() == {"detail": "Messenger disabled"}
    assert response["Access-Control-Allow-Origin"] == "https://shop.example.com"


def test_body_over_size_limit_413(widget, inbox):
    with override_settings(MESSENGER_MAX_REQUEST_BYTES=1024):
        response = config(widget, inbox, locale="x" * 2000)

    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is larger than 1024 bytes."}


def test_rate_limit_429_with_retry_after(widget, inbox):
    address = {"REMOTE_ADDR": "192.0.2.20"}
    body = {"widget_token": inbox.widget_token}
    with override_settings(MESSENGER_THROTTLE_RATES={"config_ip": "2/min"}):
        statuses = [widget.post("config", body, **address).status_code for _ in range(2)]
        limited = widget.post("config", body, **address)
        other_client = widget.post("config", body, REMOTE_ADDR="192.0.2.21")

    assert statuses == [200, 200]
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert limited["Access-Control-Allow-Origin"] == "https://shop.example.com"
    assert "detail" in limited.json()
    assert other_client.status_code == 200


def test_own_rate_limit_scope(widget, inbox):
    # Config requests do not use up the limits of sends, polls or bootstraps.
    rates = {"widget_ip": "1/min", "bootstrap_ip": "1/min", "config_ip": "100/min"}
    with override_settings(MESSENGER_THROTTLE_RATES=rates):
        statuses = [config(widget, inbox).status_code for _ in range(5)]

    assert statuses == [200] * 5


def test_malformed_json_400(widget):
    response = widget.client.post(
        "/api/widget/config/",
        data='{"widget_token": ',
        content_type="application/json",
        HTTP_ORIGIN="https://shop.example.com",
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "The request body is not valid JSON."}


@pytest.mark.parametrize("body", ["[]", '"text"', "42", "null"])
def test_non_object_json_400(widget, body):
    response = widget.client.post("/api/widget/config/", data=body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"detail": "The request body must be a JSON object."}


def test_missing_widget_token_400(widget):
    response = widget.post("config", {})

    assert response.status_code == 400
    assert response.json() == {"widget_token": ["This field is required."]}


def test_invalid_locale_400(widget, inbox):
    response = config(widget, inbox, locale="<script>")

    assert response.status_code == 400
    assert response.json() == {"locale": ["Enter a language code such as ru or en-US."]}


def test_unknown_widget_token_404(widget):
    response = config(widget, "no-such-token")

    assert response.status_code == 404
    assert response.json() == {"detail": "This chat widget does not exist or is switched off."}


def test_regenerated_token_404(widget, inbox, django_capture_on_commit_callbacks):
    old_token = inbox.widget_token
    assert config(widget, old_token).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        regenerate_widget_token(inbox)

    assert config(widget, old_token).status_code == 404
    assert config(widget, inbox.widget_token).status_code == 200


def test_inactive_widget_token_404(widget, inbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        set_inbox_active(inbox, False)

    response = config(widget, inbox)

    assert response.status_code == 404
    assert response.json() == {"detail": "This chat widget does not exist or is switched off."}


def test_foreign_origin_403(inbox):
    response = config(WidgetClient(origin="https://evil.example.net"), inbox)

    assert response.status_code == 403
    assert response.json() == {"detail": "This website is not allowed to use this chat widget."}
    assert "Access-Control-Allow-Origin" not in response
    assert Inbox.objects.get(pk=inbox.pk).last_loaded_at is None


def test_foreign_origin_403_before_field_errors(inbox):
    response = config(WidgetClient(origin="https://evil.example.net"), inbox, locale="<script>")

    assert response.status_code == 403


def test_no_origin_allowed(inbox):
    assert config(WidgetClient(origin=None), inbox).status_code == 200


def test_preflight(widget, inbox):
    response = widget.client.options(
        "/api/widget/config/",
        HTTP_ORIGIN="https://shop.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "https://shop.example.com"
    assert "POST" in response["Access-Control-Allow-Methods"]


def test_preflight_from_foreign_origin_403(widget, inbox):
    response = widget.client.options("/api/widget/config/", HTTP_ORIGIN="https://evil.example.net")

    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response
