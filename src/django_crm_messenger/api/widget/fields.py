"""Serializer fields for visitor input: text without control characters."""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# Line breaks and tabs are allowed in message bodies; every other control
# character (NUL included) and every lone surrogate is rejected, because
# PostgreSQL cannot store NUL and such characters only hide or spoof text.
BODY_WHITESPACE = frozenset("\n\r\t")


def find_forbidden_character(value: str, allowed: frozenset[str] = frozenset()) -> str | None:
    for character in value:
        if character in allowed:
            continue
        if unicodedata.category(character) in ("Cc", "Cs"):
            return character
    return None


class PlainTextField(serializers.CharField):
    """A ``CharField`` that rejects control characters and keeps the text as sent."""

    default_error_messages = {
        "control_character": _("Control characters such as U+%(code)04X are not allowed."),
    }

    def __init__(self, *, multiline: bool = False, **kwargs):
        self.allowed_characters = BODY_WHITESPACE if multiline else frozenset()
        kwargs.setdefault("trim_whitespace", not multiline)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            # Numbers and booleans are not text a visitor typed.
            self.fail("invalid")
        value = super().to_internal_value(data)
        forbidden = find_forbidden_character(value, self.allowed_characters)
        if forbidden is not None:
            self.fail("control_character", code=ord(forbidden))
        return value
