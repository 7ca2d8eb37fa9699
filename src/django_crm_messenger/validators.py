"""Checks on text that visitors and operators send, shared by the API and the forms."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .conf import messenger_settings

# Line breaks and tabs are allowed in message bodies. Every other control
# character (NUL included) and every lone surrogate is rejected, because
# PostgreSQL cannot store NUL or surrogates and the other controls only hide
# or spoof text. Format characters (zero-width joiners, bidi marks) stay,
# because emoji sequences and right-to-left text need them.
BODY_WHITESPACE = frozenset("\n\r\t")
FORBIDDEN_CATEGORIES = ("Cc", "Cs")


def find_forbidden_character(value: str, allowed: frozenset[str] = frozenset()) -> str | None:
    """Return the first control character or lone surrogate in ``value``, or None."""
    if value.isprintable():
        # Fast path: printable text has no Cc or Cs character at all.
        return None
    for character in value:
        if character in allowed:
            continue
        if unicodedata.category(character) in FORBIDDEN_CATEGORIES:
            return character
    return None


def validate_message_body(body: str) -> None:
    """Raise ``ValidationError`` for a blank, too long or control-character message body.

    The body is never trimmed or shortened: the maximum is
    MESSENGER_MAX_MESSAGE_LENGTH characters, and a longer body is rejected.
    """
    if not body.strip():
        raise ValidationError(_("The message is empty."), code="blank")
    limit = messenger_settings.MAX_MESSAGE_LENGTH
    if len(body) > limit:
        raise ValidationError(
            _("The message is %(length)d characters long; the maximum is %(limit)d.")
            % {"length": len(body), "limit": limit},
            code="max_length",
        )
    forbidden = find_forbidden_character(body, BODY_WHITESPACE)
    if forbidden is not None:
        raise ValidationError(
            _("Control characters such as U+{code} are not allowed.").format(
                code=f"{ord(forbidden):04X}"
            ),
            code="control_character",
        )
