from __future__ import annotations

from typing import Any

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ...conf import messenger_settings
from ...models import FieldMode
from .fields import PlainTextField

TOKEN_MAX_LENGTH = 128

phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 ()\-.]{2,30}$",
    _("Enter a phone number of digits, spaces, brackets and dashes, such as +7 900 000-00-00."),
)
client_message_id_validator = RegexValidator(
    r"^[A-Za-z0-9._:\-]{1,64}$",
    _("Use 1 to 64 letters, digits, dots, colons, underscores or dashes."),
)


class ContactSerializer(serializers.Serializer):
    name = PlainTextField(max_length=200, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    phone = PlainTextField(
        max_length=32, required=False, allow_blank=True, validators=[phone_validator]
    )

    def check_field_modes(self, modes: dict[str, str]) -> dict[str, Any]:
        """Check validated data against the inbox's hidden/optional/required settings."""
        data = dict(self.validated_data)
        errors: dict[str, list[str]] = {}
        for field, mode in modes.items():
            value = data.get(field, "")
            if mode == FieldMode.REQUIRED and not value:
                errors[field] = [str(_("This field is required."))]
            elif mode == FieldMode.HIDDEN and value:
                errors[field] = [str(_("This inbox does not collect this field."))]
        if errors:
            raise serializers.ValidationError({"contact": errors})
        return data


class WidgetRequestSerializer(serializers.Serializer):
    widget_token = PlainTextField(max_length=TOKEN_MAX_LENGTH)
    honeypot = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, trim_whitespace=False, max_length=10000
    )


class SessionRequestSerializer(WidgetRequestSerializer):
    # Presence is checked by the view, which answers 401 rather than 400 so
    # that the client knows to bootstrap again.
    widget_session_token = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=TOKEN_MAX_LENGTH
    )


class BootstrapSerializer(SessionRequestSerializer):
    contact = ContactSerializer(required=False, allow_null=True)
    region = PlainTextField(max_length=100, required=False, allow_blank=True, allow_null=True)
    page_url = serializers.URLField(
        max_length=1000, required=False, allow_blank=True, allow_null=True
    )
    locale = PlainTextField(max_length=16, required=False, allow_blank=True, allow_null=True)


class SendSerializer(SessionRequestSerializer):
    body = PlainTextField(multiline=True)
    client_message_id = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, validators=[client_message_id_validator]
    )

    def validate_body(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(_("The message is empty."))
        limit = messenger_settings.MAX_MESSAGE_LENGTH
        if len(value) > limit:
            raise serializers.ValidationError(
                _("The message is %(length)d characters long; the maximum is %(limit)d.")
                % {"length": len(value), "limit": limit}
            )
        return value

    def validate_client_message_id(self, value: str | None) -> str | None:
        return value or None


class PollSerializer(SessionRequestSerializer):
    after = serializers.IntegerField(min_value=0, max_value=2**63 - 1, required=False, default=0)
