"""JSON shapes of the widget API's responses, as the public contract defines them."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.utils import timezone, translation

from ...conf import messenger_settings
from ...models import Message


def format_timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def message_payload(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "sender": message.sender,
        "body": message.body,
        "created_at": format_timestamp(message.created_at),
        "author_name": message.author_name or None,
        "client_message_id": message.client_message_id,
    }


def conversation_payload(conversation_id: int, status: str) -> dict[str, Any]:
    return {"id": conversation_id, "status": status}


def _primary_language(code: str | None) -> str:
    return (code or "").replace("_", "-").split("-")[0].lower()


def widget_locale(inbox: dict[str, Any], requested_locale: str = "") -> str:
    """Return the widget's language: the inbox's, else the page's if the site has it, else ours."""
    if inbox["locale"]:
        return _primary_language(inbox["locale"])
    available = {_primary_language(code) for code, _name in settings.LANGUAGES}
    requested = _primary_language(requested_locale)
    if requested in available:
        return requested
    return _primary_language(translation.get_language()) or "en"


def widget_payload(inbox: dict[str, Any], requested_locale: str = "") -> dict[str, Any]:
    return {
        "title": inbox["title"],
        "greeting": inbox["greeting"],
        "color": inbox["color"],
        "locale": widget_locale(inbox, requested_locale),
        "fields": dict(inbox["fields"]),
    }


def decoy_message_payload(body: str, client_message_id: str | None) -> dict[str, Any]:
    """Return a message shaped like a stored one, for a request that filled the honeypot."""
    return {
        "id": secrets.randbelow(2**31) + 1,
        "sender": "visitor",
        "body": body,
        "created_at": format_timestamp(timezone.now()),
        "author_name": None,
        "client_message_id": client_message_id,
    }


def poll_interval() -> int:
    return messenger_settings.POLL_INTERVAL_MS
