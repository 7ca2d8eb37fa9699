import pytest
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

WIDGET_ENDPOINTS = [
    "messenger:widget-config",
    "messenger:widget-bootstrap",
    "messenger:widget-send",
    "messenger:widget-poll",
]


@pytest.mark.parametrize("name", WIDGET_ENDPOINTS)
def test_disabled_widget_endpoint_answers_404(client, inbox, name):
    with override_settings(MESSENGER_ENABLED=False):
        response = client.post(
            reverse(name), {"widget_token": inbox.widget_token}, content_type="application/json"
        )
    assert response.status_code == 404
    assert response.json() == {"detail": "Messenger disabled"}


@pytest.mark.parametrize("name", WIDGET_ENDPOINTS)
def test_disabled_widget_preflight_answers_404(client, name):
    # No inbox allows this origin, so there is nothing for a browser to read.
    with override_settings(MESSENGER_ENABLED=False):
        response = client.options(reverse(name), HTTP_ORIGIN="https://shop.example.com")
    assert response.status_code == 404
    assert response.json() == {"detail": "Messenger disabled"}


def test_disabled_panel_answers_404(client, operator_a):
    client.force_login(operator_a)
    with override_settings(MESSENGER_ENABLED=False):
        response = client.get(reverse("messenger:conversation-list"))
    assert response.status_code == 404


def test_disabled_demo_answers_404(client, inbox):
    with override_settings(MESSENGER_ENABLED=False):
        response = client.get(reverse("messenger:widget-demo"), {"token": inbox.widget_token})
    assert response.status_code == 404


def test_url_names_resolve_while_disabled():
    with override_settings(MESSENGER_ENABLED=False):
        assert reverse("messenger:widget-bootstrap") == "/api/widget/bootstrap/"
        assert reverse("messenger:widget-send") == "/api/widget/send/"
        assert reverse("messenger:widget-poll") == "/api/widget/poll/"
        assert reverse("messenger:conversation-list") == "/messenger/conversations/"
        assert reverse("messenger:widget-demo") == "/widget-demo/"


def test_enabled_setting_read_at_request_time(client, inbox):
    url = reverse("messenger:widget-bootstrap")
    body = {"widget_token": inbox.widget_token}
    with override_settings(MESSENGER_ENABLED=False):
        assert client.post(url, body, content_type="application/json").status_code == 404
    with override_settings(MESSENGER_ENABLED=True):
        assert client.post(url, body, content_type="application/json").status_code == 200


@pytest.mark.parametrize("name", WIDGET_ENDPOINTS)
def test_disabled_preflight_lets_allowed_site_read_404(client, inbox, name):
    with override_settings(MESSENGER_ENABLED=False):
        preflight = client.options(reverse(name), HTTP_ORIGIN="https://shop.example.com")
        response = client.post(
            reverse(name),
            {"widget_token": inbox.widget_token},
            content_type="application/json",
            HTTP_ORIGIN="https://shop.example.com",
        )

    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "https://shop.example.com"
    assert response.status_code == 404
    assert response.json() == {"detail": "Messenger disabled"}
    assert response["Access-Control-Allow-Origin"] == "https://shop.example.com"
