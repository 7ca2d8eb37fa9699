"""Serializer fields for visitor input: text without control characters."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ...validators import BODY_WHITESPACE, find_forbidden_character

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    # The mixin always comes before a CharField in the bases. This base gives
    # mypy the methods that super() reaches, without a base class at run time.
    _TextFieldBase = serializers.CharField
else:
    _TextFieldBase = object


class ControlCharacterMixin(_TextFieldBase):
    """Reject strings with control characters or lone surrogates with a field error."""

    allowed_characters: frozenset[str] = frozenset()
    default_error_messages: ClassVar[dict[str, StrOrPromise]] = {
        "control_character": _("Control characters such as U+{code} are not allowed."),
        "not_text": _("Enter text, not a number, list or object."),
    }

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            # Numbers and booleans are not text that a visitor typed.
            self.fail("not_text")
        forbidden = find_forbidden_character(data, self.allowed_characters)
        if forbidden is not None:
            self.fail("control_character", code=f"{ord(forbidden):04X}")
        return super().to_internal_value(data)


class PlainTextField(ControlCharacterMixin, serializers.CharField):
    """A ``CharField`` that rejects control characters and keeps the text as sent."""

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        self.allowed_characters = BODY_WHITESPACE if multiline else frozenset()
        kwargs.setdefault("trim_whitespace", not multiline)
        super().__init__(**kwargs)


class PlainEmailField(ControlCharacterMixin, serializers.EmailField):
    pass


class WebPageURLField(ControlCharacterMixin, serializers.URLField):
    """An ``http`` or ``https`` URL of the page the widget runs on."""

    default_error_messages: ClassVar[dict[str, StrOrPromise]] = {
        "invalid": _("Enter an http or https URL.")
    }

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        if value and not re.match(r"^https?://", value, re.IGNORECASE):
            self.fail("invalid")
        return value


class HoneypotField(serializers.Field[bool, Any, Any, Any]):
    """The hidden field that people leave empty; any value at all marks a bot.

    Every JSON type is accepted, so that a bot filling it with a number or
    object still gets the success-shaped response rather than a 400 that
    shows it was caught.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("default", False)
        super().__init__(**kwargs)

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        if data is None:
            return True, False
        return super().validate_empty_values(data)

    def to_internal_value(self, data: Any) -> bool:
        return data not in ("", False, 0, [], {})

    def to_representation(self, value: Any) -> Any:
        return value
