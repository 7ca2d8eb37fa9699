import logging

import pytest
from django.test import override_settings

from django_crm_messenger.api.widget.throttling import client_ip, parse_rate

from ..conftest import WidgetClient

pytestmark = pytest.mark.django_db

SPOOFING_HEADERS = [
    {},
    {"HTTP_X_FORWARDED_FOR": "203.0.113.1"},
    {"HTTP_X_FORWARDED_FOR": "203.0.113.2, 198.51.100.7"},
    {"HTTP_X_REAL_IP": "203.0.113.3"},
    {"HTTP_FORWARDED": "for=203.0.113.4;proto=https"},
    {"HTTP_CF_CONNECTING_IP": "203.0.113.5"},
    {"HTTP_TRUE_CLIENT_IP": "203.0.113.6"},
    {"HTTP_X_CLIENT_IP": "203.0.113.7"},
]


def test_forwarding_headers_do_not_reset_ip_limit(widget, inbox):
    limit = len(SPOOFING_HEADERS)
    with override_settings(MESSENGER_THROTTLE_RATES={"bootstrap_ip": f"{limit}/min"}):
        statuses = [
            widget.post("bootstrap", {"widget_token": inbox.widget_token}, **headers).status_code
            for headers in SPOOFING_HEADERS
        ]
        blocked = [
            widget.post("bootstrap", {"widget_token": inbox.widget_token}, **headers).status_code
            for headers in SPOOFING_HEADERS
        ]

    assert statuses == [200] * limit
    assert blocked == [429] * limit


def test_trusted_proxy_separates_clients(widget, inbox):
    rates = {"bootstrap_ip": "1/min"}
    with override_settings(MESSENGER_THROTTLE_RATES=rates, MESSENGER_TRUSTED_PROXY_COUNT=1):
        first = widget.post(
            "bootstrap", {"widget_token": inbox.widget_token}, HTTP_X_FORWARDED_FOR="198.51.100.1"
        )
        second = widget.post(
            "bootstrap", {"widget_token": inbox.widget_token}, HTTP_X_FORWARDED_FOR="198.51.100.2"
        )
        # The client wrote the left entry itself; only the proxy's entry counts.
        spoofed = widget.post(
            "bootstrap",
            {"widget_token": inbox.widget_token},
            HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.1",
        )

    assert first.status_code == 200
    assert second.status_code == 200
    assert spoofed.status_code == 429


@pytest.mark.parametrize(
    ("proxies", "meta", "expected"),
    [
        (0, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, "10.0.0.1"),
        (1, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, "1.2.3.4"),
        (1, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "9.9.9.9, 1.2.3.4"}, "1.2.3.4"),
        (
            2,
            {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "9.9.9.9, 1.2.3.4, 10.0.0.2"},
            "1.2.3.4",
        ),
        (2, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, "10.0.0.1"),
        (1, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "not-an-ip"}, "10.0.0.1"),
    ],
)
def test_client_ip(rf, proxies, meta, expected):
    request = rf.post("/", **meta)

    with override_settings(MESSENGER_TRUSTED_PROXY_COUNT=proxies):
        assert client_ip(request) == expected


def test_ipv6_clients_limited_per_64(widget, inbox):
    with override_settings(MESSENGER_THROTTLE_RATES={"bootstrap_ip": "1/min"}):
        first = widget.post(
            "bootstrap", {"widget_token": inbox.widget_token}, REMOTE_ADDR="2001:db8:1:2::1"
        )
        same_prefix = widget.post(
            "bootstrap", {"widget_token": inbox.widget_token}, REMOTE_ADDR="2001:db8:1:2::ffff"
        )
        other_prefix = widget.post(
            "bootstrap", {"widget_token": inbox.widget_token}, REMOTE_ADDR="2001:db8:1:3::1"
        )

    assert first.status_code == 200
    assert same_prefix.status_code == 429
    assert other_prefix.status_code == 200


def test_inbox_limit_across_addresses(visitor):
    with override_settings(MESSENGER_THROTTLE_RATES={"widget_inbox": "3/min"}):
        statuses = [
            visitor.poll(REMOTE_ADDR=f"192.0.2.{number}").status_code for number in range(1, 5)
        ]

    assert statuses == [200, 200, 200, 429]


def test_rates_read_at_request_time(visitor):
    with override_settings(MESSENGER_THROTTLE_RATES={"widget_ip": "1/min"}):
        assert visitor.poll().status_code == 200
        assert visitor.poll().status_code == 429
    with override_settings(MESSENGER_THROTTLE_RATES={"widget_ip": "100/min"}):
        assert visitor.poll().status_code == 200


def test_bootstrap_limit_stricter_by_default(settings):
    from django_crm_messenger.conf import messenger_settings

    rates = messenger_settings.THROTTLE_RATES
    assert parse_rate(rates["bootstrap_ip"])[0] < parse_rate(rates["widget_ip"])[0]


def test_malformed_requests_count_against_ip_limit(widget, inbox):
    with override_settings(MESSENGER_THROTTLE_RATES={"widget_ip": "2/min"}):
        statuses = [
            widget.client.post(
                "/api/widget/poll/", data="{broken", content_type="application/json"
            ).status_code
            for _ in range(3)
        ]

    assert statuses == [400, 400, 429]


def test_preflight_not_counted(widget, inbox):
    with override_settings(MESSENGER_THROTTLE_RATES={"bootstrap_ip": "1/min"}):
        for _ in range(3):
            widget.client.options(
                "/api/widget/bootstrap/",
                HTTP_ORIGIN="https://shop.example.com",
                HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
            )
        assert widget.bootstrap(inbox).status_code == 200


def test_limit_warning_logged_once(visitor, caplog):
    with override_settings(MESSENGER_THROTTLE_RATES={"widget_ip": "1/min"}):
        with caplog.at_level(logging.WARNING, logger="django_crm_messenger"):
            for _ in range(4):
                visitor.poll()

    warnings = [r for r in caplog.records if "rate limit" in r.getMessage()]
    assert len(warnings) == 1
    assert visitor.token not in caplog.text


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
def test_limits_work_without_redis(inbox):
    widget = WidgetClient()
    with override_settings(MESSENGER_THROTTLE_RATES={"bootstrap_ip": "2/min"}):
        statuses = [widget.bootstrap(inbox).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


@pytest.mark.parametrize("rate", ["fast", "10/fortnight", "/min", "ten/min"])
def test_bad_rate_setting_names_setting(rate):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="MESSENGER_THROTTLE_RATES"):
        parse_rate(rate)
