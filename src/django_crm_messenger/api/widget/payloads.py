"""JSON shapes of the widget API's answers, as the public contract defines them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.utils import translation

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


def widget_payload(inbox: dict[str, Any], requested_locale: str = "") -> dict[str, Any]:
    locale = inbox["locale"] or requested_locale or translation.get_language() or "en"
    return {
        "title": inbox["title"],
        "greeting": inbox["greeting"],
        "color": inbox["color"],
        "locale": locale.split("-")[0].lower(),
        "fields": dict(inbox["fields"]),
    }


def poll_interval() -> int:
    return messenger_settings.POLL_INTERVAL_MS
