"""Request serializers of the widget API; every field gets a clear error of its own."""

from __future__ import annotations

import re
from typing import Any, TypeGuard

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ...models import FieldMode
from ...validators import validate_message_body
from .fields import HoneypotField, PlainEmailField, PlainTextField, WebPageURLField

TOKEN_MAX_LENGTH = 128
PHONE_CHARACTERS = re.compile(r"^\+?[0-9 ()\-.]+$")
PHONE_MIN_DIGITS = 5
# E.164 numbers have at most 15 digits; a few more leave room for extensions.
PHONE_MAX_DIGITS = 20

client_message_id_validator = RegexValidator(
    r"^[A-Za-z0-9._:\-]{1,64}$",
    _("Use 1 to 64 letters, digits, dots, colons, underscores or dashes."),
)
locale_validator = RegexValidator(
    r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$",
    _("Enter a language code such as ru or en-US."),
)


def validate_phone(value: str) -> None:
    digits = sum(character.isdigit() for character in value)
    if not PHONE_CHARACTERS.match(value) or not PHONE_MIN_DIGITS <= digits <= PHONE_MAX_DIGITS:
        raise serializers.ValidationError(
            _(
                "Enter a phone number of 5 to 20 digits with optional spaces, brackets and "
                "dashes, such as +7 900 000-00-00."
            )
        )


def locale_field() -> PlainTextField:
    """Return the optional ``locale`` field that bootstrap and config accept."""
    return PlainTextField(
        max_length=16,
        required=False,
        allow_blank=True,
        allow_null=True,
        validators=[locale_validator],
    )


class ContactSerializer(serializers.Serializer[Any]):
    name = PlainTextField(max_length=200, required=False, allow_blank=True, allow_null=True)
    email = PlainEmailField(max_length=254, required=False, allow_blank=True, allow_null=True)
    phone = PlainTextField(
        max_length=32,
        required=False,
        allow_blank=True,
        allow_null=True,
        validators=[validate_phone],
    )


def check_contact_fields(contact: dict[str, Any] | None, modes: dict[str, str]) -> dict[str, str]:
    """Check validated contact data against the inbox's hidden/optional/required settings.

    Returns the contact with every field present (empty when not given) and
    raises a ``{"contact": {field: [message]}}`` error for a missing required
    field or a filled hidden one.
    """
    contact = {field: (contact or {}).get(field) or "" for field in ("name", "email", "phone")}
    errors: dict[str, list[str]] = {}
    for field, mode in modes.items():
        value = contact.get(field, "")
        if mode == FieldMode.REQUIRED and not value:
            errors[field] = [str(_("This field is required."))]
        elif mode == FieldMode.HIDDEN and value:
            errors[field] = [str(_("This chat does not ask for this field; leave it out."))]
    if errors:
        raise serializers.ValidationError({"contact": errors})
    return contact


class WidgetRequestSerializer(serializers.Serializer[Any]):
    # Tokens are compared as sent, so surrounding spaces are not trimmed.
    widget_token = PlainTextField(max_length=TOKEN_MAX_LENGTH, trim_whitespace=False)
    honeypot = HoneypotField()


class SessionRequestSerializer(WidgetRequestSerializer):
    # Presence is checked by the view, which returns 401 rather than 400 so
    # that the client knows to bootstrap again.
    widget_session_token = PlainTextField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=TOKEN_MAX_LENGTH,
        trim_whitespace=False,
    )


class BootstrapSerializer(SessionRequestSerializer):
    contact = ContactSerializer(required=False, allow_null=True)
    region = PlainTextField(max_length=100, required=False, allow_blank=True, allow_null=True)
    page_url = WebPageURLField(max_length=1000, required=False, allow_blank=True, allow_null=True)
    locale = locale_field()


class ConfigSerializer(WidgetRequestSerializer):
    locale = locale_field()


class SendSerializer(SessionRequestSerializer):
    body = PlainTextField(multiline=True)
    client_message_id = PlainTextField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=64,
        validators=[client_message_id_validator],
    )

    def validate_body(self, value: str) -> str:
        validate_message_body(value)
        return value

    def validate_client_message_id(self, value: str | None) -> str | None:
        return value or None


class PollSerializer(SessionRequestSerializer):
    after = serializers.IntegerField(min_value=0, max_value=2**63 - 1, required=False, default=0)


class PollValues:
    """Validated poll fields found without the serializer (see ``simple_poll_values``)."""

    errors: dict[str, Any] = {}

    def __init__(self, validated_data: dict[str, Any]):
        self.validated_data = validated_data


def _plain_token(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and 0 < len(value) <= TOKEN_MAX_LENGTH and value.isprintable()


def simple_poll_values(data: dict[str, Any]) -> PollValues | None:
    """Return the fields of a plainly valid poll, or None to let ``PollSerializer`` decide.

    Polls are most of the widget API's traffic, and building a DRF serializer
    costs more than the rest of an idle poll. Only input that the serializer
    would accept unchanged passes here: text tokens without control
    characters, an integer cursor in range, and an empty honeypot.
    Everything else goes through the serializer and gets its error messages.
    """
    widget_token = data.get("widget_token")
    session_token = data.get("widget_session_token")
    after = data.get("after", 0)
    if not (_plain_token(widget_token) and _plain_token(session_token)):
        return None
    if type(after) is not int or not 0 <= after <= 2**63 - 1:
        return None
    if data.get("honeypot") not in (None, "", False):
        return None
    return PollValues(
        {
            "widget_token": widget_token,
            "widget_session_token": session_token,
            "after": after,
            "honeypot": False,
        }
    )


def simple_send_values(data: dict[str, Any]) -> dict[str, Any] | None:
    """Return the fields of a plainly valid send, or None to let ``SendSerializer`` decide.

    As with ``simple_poll_values``, only input that the serializer would
    accept unchanged passes: plain tokens, a valid body, a valid or empty
    ``client_message_id`` and an empty honeypot.
    """
    widget_token = data.get("widget_token")
    session_token = data.get("widget_session_token")
    body = data.get("body")
    client_message_id = data.get("client_message_id")
    if not _plain_token(widget_token) or not _plain_token(session_token):
        return None
    if not isinstance(body, str) or data.get("honeypot") not in (None, "", False):
        return None
    if client_message_id in (None, ""):
        client_message_id = None
    elif not isinstance(client_message_id, str):
        return None

    try:
        validate_message_body(body)
        if client_message_id is not None:
            client_message_id_validator(client_message_id)
    except DjangoValidationError:
        return None
    return {
        "widget_token": widget_token,
        "widget_session_token": session_token,
        "body": body,
        "client_message_id": client_message_id,
    }
