"""Cached state that lets the widget API answer without SQL.

Everything here can be rebuilt from the database: a missing or evicted key
only costs one query. Keys are prefixed with ``messenger:`` and live in the
cache named by MESSENGER_CACHE_ALIAS.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache

from .conf import messenger_settings

INBOX_STATE_TTL = 300
UNKNOWN_INBOX_TTL = 30
CONVERSATION_STATE_TTL = 3600
ALLOWED_SITES_KEY = "messenger:allowed-sites"


def get_cache() -> BaseCache:
    return caches[messenger_settings.CACHE_ALIAS]


def token_digest(token: str) -> str:
    """Return the SHA-256 hex digest under which a token is stored in the cache."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def inbox_state_key(widget_token: str) -> str:
    return f"messenger:inbox:{token_digest(widget_token)}"


def inbox_state(inbox: Any) -> dict[str, Any]:
    """Return the cached form of an inbox: all the widget API needs to know of it."""
    return {
        "id": inbox.pk,
        "branch_id": inbox.branch_id,
        "is_active": inbox.is_active,
        "generation": inbox.session_generation,
        "allowed_sites": list(inbox.allowed_sites or []),
        "title": inbox.widget_title or inbox.name,
        "greeting": inbox.widget_greeting,
        "color": inbox.widget_color,
        "locale": inbox.widget_locale,
        "fields": inbox.field_modes(),
    }


def forget_inbox(*widget_tokens: str | None) -> None:
    """Drop the cached state of these tokens, so the next request reloads it."""
    keys = [inbox_state_key(token) for token in widget_tokens if token]
    keys.append(ALLOWED_SITES_KEY)
    get_cache().delete_many(keys)


def conversation_version_key(conversation_id: int) -> str:
    return f"messenger:conv:{conversation_id}:version"


def conversation_state_key(conversation_id: int) -> str:
    return f"messenger:conv:{conversation_id}:state"


def bump_conversation(conversation_id: int) -> None:
    """Mark a conversation's cached state stale; call after the change is committed.

    A fresh random version, rather than a counter or the new message id,
    means that concurrent writers never have to agree on an order: any state
    cached under an older version is ignored.
    """
    get_cache().set(
        conversation_version_key(conversation_id), uuid.uuid4().hex, CONVERSATION_STATE_TTL
    )


def read_conversation_state(conversation_id: int) -> tuple[str | None, dict[str, Any] | None]:
    """Return the current version and the cached state, if it matches that version.

    A version is created when missing, before the caller reads the database,
    so a write that lands during the read always leaves a newer version.
    """
    cache = get_cache()
    version_key = conversation_version_key(conversation_id)
    state_key = conversation_state_key(conversation_id)
    found = cache.get_many([version_key, state_key])
    version = found.get(version_key)
    state = found.get(state_key)
    if version is None:
        cache.add(version_key, uuid.uuid4().hex, CONVERSATION_STATE_TTL)
        return cache.get(version_key), None
    if state is None or state.get("version") != version:
        return version, None
    return version, state


def store_conversation_state(
    conversation_id: int, version: str | None, last_message_id: int, status: str
) -> None:
    if version is None:
        return
    get_cache().set(
        conversation_state_key(conversation_id),
        {"version": version, "last_message_id": last_message_id, "status": status},
        CONVERSATION_STATE_TTL,
    )
