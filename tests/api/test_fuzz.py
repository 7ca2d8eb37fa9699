"""Arbitrary JSON bodies and headers never get a 500 from any widget endpoint."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from .conftest import HIGH_RATES, start_visitor

pytestmark = pytest.mark.django_db

ENDPOINTS = ["config", "bootstrap", "send", "poll"]
FIELDS = [
    "widget_token",
    "widget_session_token",
    "body",
    "client_message_id",
    "after",
    "honeypot",
    "contact",
    "region",
    "page_url",
    "locale",
]

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(["", " ", "\x00", "\ud800", "0", "-1", "9" * 30, "https://x.org/"])
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
header_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=60)
headers = st.fixed_dictionaries(
    {},
    optional={
        "HTTP_ORIGIN": header_text
        | st.sampled_from(["https://shop.example.com", "null", "http://testserver"]),
        "HTTP_X_FORWARDED_FOR": header_text,
        "HTTP_ACCEPT_LANGUAGE": header_text | st.sampled_from(["ru", "ru-RU,ru;q=0.9", "*"]),
        "HTTP_REFERER": header_text,
        "REMOTE_ADDR": st.sampled_from(["127.0.0.1", "::1", "2001:db8::1", "garbage"]),
    },
)
content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/json; charset=latin-1",
        "application/json; charset=zlib",
        "text/plain",
        "application/x-www-form-urlencoded",
        "",
    ]
)


@pytest.fixture
def tokens(inbox):
    visitor = start_visitor(inbox)
    return {"widget_token": inbox.widget_token, "widget_session_token": visitor.token}


def build_body(data, real_tokens, use_tokens):
    if isinstance(data, dict) and use_tokens:
        return {**data, **{key: value for key, value in real_tokens.items() if key not in data}}
    return data


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    endpoint=st.sampled_from(ENDPOINTS),
    data=json_values | st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6),
    use_tokens=st.booleans(),
    extra_headers=headers,
    content_type=content_types,
)
def test_any_json_never_500(tokens, endpoint, data, use_tokens, extra_headers, content_type):
    client = APIClient()
    body = json.dumps(build_body(data, tokens, use_tokens))

    with override_rates():
        response = client.generic(
            "POST", f"/api/widget/{endpoint}/", body.encode(), content_type, **extra_headers
        )

    assert response.status_code < 500, response.content
    assert response["Content-Type"] == "application/json"
    json.loads(response.content or b"{}")


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(endpoint=st.sampled_from(ENDPOINTS), raw=st.binary(max_size=200), extra_headers=headers)
def test_any_bytes_never_500(tokens, endpoint, raw, extra_headers):
    client = APIClient()

    with override_rates():
        response = client.generic(
            "POST", f"/api/widget/{endpoint}/", raw, "application/json", **extra_headers
        )

    assert response.status_code < 500, response.content


def override_rates():
    from django.test import override_settings

    return override_settings(MESSENGER_THROTTLE_RATES=HIGH_RATES)


@settings(max_examples=300, deadline=None)
@given(
    data=st.fixed_dictionaries(
        {},
        optional={
            "widget_token": json_scalars,
            "widget_session_token": json_scalars,
            "after": json_scalars,
            "honeypot": json_scalars,
        },
    )
)
def test_poll_shortcut_agrees_with_serializer(data):
    from django_crm_messenger.api.widget.serializers import PollSerializer, simple_poll_values

    shortcut = simple_poll_values(data)
    if shortcut is None:
        return
    serializer = PollSerializer(data=data)

    assert serializer.is_valid(), serializer.errors
    assert shortcut.validated_data == {**serializer.validated_data, "honeypot": False}
