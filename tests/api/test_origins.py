import pytest
from django.test import override_settings

from django_crm_messenger.origins import normalize_site, site_matches

from ..conftest import WidgetClient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("origin", "site", "matches"),
    [
        ("https://shop.example.com", "https://shop.example.com", True),
        ("https://shop.example.com:443", "https://shop.example.com", True),
        ("http://shop.example.com", "https://shop.example.com", False),
        ("https://shop.example.com:8443", "https://shop.example.com", False),
        ("https://shop.example.com:8443", "https://shop.example.com:8443", True),
        ("https://SHOP.example.com", "https://shop.example.com", True),
        ("https://a.example.com", "https://*.example.com", True),
        ("https://a.b.example.com", "https://*.example.com", True),
        ("https://example.com", "https://*.example.com", False),
        ("https://evilexample.com", "https://*.example.com", False),
        ("https://example.com.evil.net", "https://*.example.com", False),
        ("http://a.example.com", "https://*.example.com", False),
        ("https://*.example.com", "https://*.example.com", False),
        ("null", "https://shop.example.com", False),
        ("", "https://shop.example.com", False),
        ("https://shop.example.com", "shop.example.com", True),
    ],
)
def test_site_matches(origin, site, matches):
    assert site_matches(origin, site) is matches


def test_normalize_site():
    assert normalize_site("HTTPS://Shop.Example.com:443/") == "https://shop.example.com"
    assert normalize_site("http://localhost:8000") == "http://localhost:8000"
    assert normalize_site("https://*.example.com") == "https://*.example.com"
    assert normalize_site("https://a.*.example.com") is None
    assert normalize_site("https://*.com") is None
    assert normalize_site("ftp://example.com") is None


def test_wildcard_site_allows_subdomain(inbox):
    inbox.allowed_sites = ["https://*.example.org"]
    inbox.save()

    allowed = WidgetClient(origin="https://shop.example.org").bootstrap(inbox)
    apex = WidgetClient(origin="https://example.org").bootstrap(inbox)

    assert allowed.status_code == 200
    assert allowed["Access-Control-Allow-Origin"] == "https://shop.example.org"
    assert apex.status_code == 403


@pytest.mark.parametrize(
    "origin", ["http://shop.example.com", "https://shop.example.com:8443", "null"]
)
def test_scheme_port_and_null_rejected(inbox, origin):
    response = WidgetClient(origin=origin).bootstrap(inbox)

    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response


def test_crm_own_origin_always_allowed(inbox):
    inbox.allowed_sites = []
    inbox.save()

    response = WidgetClient(origin="http://testserver").bootstrap(inbox)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "http://testserver"


def test_public_base_url_origin_allowed(inbox):
    inbox.allowed_sites = []
    inbox.save()

    with override_settings(MESSENGER_PUBLIC_BASE_URL="https://crm.example.net/crm"):
        response = WidgetClient(origin="https://crm.example.net").bootstrap(inbox)

    assert response.status_code == 200


def test_no_origin_allowed_for_servers(inbox):
    assert WidgetClient(origin=None).bootstrap(inbox).status_code == 200


def test_preflight_allowed_origin(inbox):
    response = WidgetClient().client.options(
        "/api/widget/send/",
        HTTP_ORIGIN="https://shop.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "https://shop.example.com"
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "Content-Type" in response["Access-Control-Allow-Headers"]
    assert "Origin" in response["Vary"]


def test_preflight_foreign_origin_403(inbox):
    response = WidgetClient().client.options(
        "/api/widget/send/",
        HTTP_ORIGIN="https://evil.example.net",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )

    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Methods" not in response


def test_origin_of_other_inbox_rejected(inbox, inbox_b):
    inbox_b.allowed_sites = ["https://other.example.net"]
    inbox_b.save()

    response = WidgetClient(origin="https://other.example.net").bootstrap(inbox)

    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response


def test_new_allowed_site_applies_at_once(inbox, django_capture_on_commit_callbacks):
    client = WidgetClient(origin="https://new.example.net")
    assert client.bootstrap(inbox).status_code == 403

    with django_capture_on_commit_callbacks(execute=True):
        inbox.allowed_sites = ["https://new.example.net"]
        inbox.save()

    assert client.bootstrap(inbox).status_code == 200
