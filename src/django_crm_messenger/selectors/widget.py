"""Lookups for the public widget API, read from the cache where possible."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict

from django.db.models import QuerySet

from ..models import Conversation, Inbox, Message
from ..state import (
    ALLOWED_SITES_KEY,
    INBOX_EPOCH_KEY,
    INBOX_STATE_TTL,
    UNKNOWN_INBOX_TTL,
    conversation_state_from,
    conversation_state_keys,
    current_inbox_epoch,
    flush_pending_invalidations,
    get_cache,
    inbox_state,
    inbox_state_key,
)
from ..utils import is_session_token, session_cache_key, session_conversation_hint

MESSAGE_FIELDS = ("id", "sender", "body", "created_at", "author_name", "client_message_id")


class SessionConversation(TypedDict):
    """The columns of a session's conversation that a send or a poll needs."""

    id: int
    status: str
    last_message_id: int


@dataclass
class WidgetLookup:
    """The cached state of one widget request, fetched in a single round trip."""

    inbox: dict[str, Any] | None
    session_value: Any = None
    conversation_id: int | None = None
    conversation_found: dict[str, Any] | None = None

    def conversation_state(self, conversation_id: int) -> tuple[str | None, dict[str, Any] | None]:
        """Return (version, state) of the session's conversation, fetching it if not prefetched."""
        if self.conversation_found is not None and conversation_id == self.conversation_id:
            return conversation_state_from(conversation_id, self.conversation_found)
        found = get_cache().get_many(conversation_state_keys(conversation_id))
        return conversation_state_from(conversation_id, found)


def _load_inbox_state(widget_token: str, epoch: str | None) -> dict[str, Any]:
    """Read an inbox from the database and cache it under the current epoch."""
    epoch = current_inbox_epoch(epoch)
    inbox = Inbox.objects.filter(widget_token=widget_token).first()
    cache = get_cache()
    key = inbox_state_key(widget_token)
    if inbox is None:
        state: dict[str, Any] = {"epoch": epoch, "unknown": True}
        cache.set(key, state, UNKNOWN_INBOX_TTL)
    else:
        state = inbox_state(inbox, epoch)
        cache.set(key, state, INBOX_STATE_TTL)
    return state


def _usable(state: dict[str, Any]) -> dict[str, Any] | None:
    if state.get("unknown") or not state.get("is_active"):
        return None
    return state


def widget_request_keys(widget_token: Any, session_token: Any = None) -> list[str]:
    """Return the cache keys that ``lookup_widget_request`` reads for these tokens.

    The first two are the inbox epoch and the inbox state. A session token
    adds the session and, through the conversation id in its prefix, the
    conversation's version and state. An invalid token adds nothing.
    """
    if not isinstance(widget_token, str) or not 0 < len(widget_token) <= 128:
        return []
    keys = [INBOX_EPOCH_KEY, inbox_state_key(widget_token)]
    if is_session_token(session_token):
        keys.append(session_cache_key(session_token))
        conversation_id = session_conversation_hint(session_token)
        if conversation_id is not None:
            keys.extend(conversation_state_keys(conversation_id))
    return keys


def lookup_widget_request(
    widget_token: str,
    session_token: Any = None,
    prefetched: tuple[list[str], dict[str, Any]] | None = None,
) -> WidgetLookup:
    """Return the inbox state, the session and the conversation state of a request.

    They are read with one ``get_many``, or taken from ``prefetched`` (the
    keys and values that the rate-limit check already read in the same round
    trip). The inbox is reloaded from the database (one query) when its
    cached state is missing or older than the inbox epoch. Unknown tokens are
    cached briefly too, so random tokens cannot make every request reach the
    database. ``inbox`` is None for an unknown or inactive token.
    """
    keys = widget_request_keys(widget_token, session_token)
    if prefetched is not None and prefetched[0] == keys:
        found = prefetched[1]
    else:
        flush_pending_invalidations()
        found = get_cache().get_many(keys)
    return lookup_from_found(widget_token, session_token, keys, found)


def lookup_from_found(
    widget_token: str, session_token: Any, keys: list[str], found: dict[str, Any]
) -> WidgetLookup:
    """Return the lookup of a request from the values of ``keys``, already read from the cache.

    ``keys`` are ``widget_request_keys(widget_token, session_token)``. A
    missing or stale inbox state is reloaded from the database.
    """
    inbox_key = keys[1]
    epoch = found.get(INBOX_EPOCH_KEY)
    state = found.get(inbox_key)
    if not isinstance(state, dict) or epoch is None or state.get("epoch") != epoch:
        state = _load_inbox_state(widget_token, epoch)

    session_key = keys[2] if len(keys) > 2 else None
    conversation_id = session_conversation_hint(session_token) if len(keys) > 3 else None
    return WidgetLookup(
        inbox=_usable(state),
        session_value=found.get(session_key) if session_key else None,
        conversation_id=conversation_id,
        conversation_found=found if conversation_id is not None else None,
    )


def get_inbox_state(widget_token: str) -> dict[str, Any] | None:
    """Return the cached state of the active inbox with this token, or None."""
    return lookup_widget_request(widget_token).inbox


def all_allowed_sites() -> list[str]:
    """Return the allowed sites of every active inbox, for CORS preflights and early errors."""
    cache = get_cache()
    found = cache.get_many([INBOX_EPOCH_KEY, ALLOWED_SITES_KEY])
    epoch = found.get(INBOX_EPOCH_KEY)
    cached = found.get(ALLOWED_SITES_KEY)
    if isinstance(cached, dict) and epoch is not None and cached.get("epoch") == epoch:
        cached_sites: list[str] = cached["sites"]
        return cached_sites

    epoch = current_inbox_epoch(epoch)
    sites = sorted(
        {
            site
            for site_list in Inbox.objects.filter(is_active=True).values_list(
                "allowed_sites", flat=True
            )
            for site in (site_list or [])
            if isinstance(site, str)
        }
    )
    cache.set(ALLOWED_SITES_KEY, {"epoch": epoch, "sites": sites}, INBOX_STATE_TTL)
    return sites


def session_conversation(conversation_id: int) -> SessionConversation | None:
    """Return the id, status and last message id of a session's conversation, or None."""
    return (
        Conversation.objects.filter(pk=conversation_id)
        .values("id", "status", "last_message_id")
        .first()
    )


def messages_after(conversation_id: int, after: int, limit: int) -> QuerySet[Message]:
    """Return up to ``limit`` messages of a conversation with ``id > after``, oldest first."""
    return (
        Message.objects.filter(conversation_id=conversation_id, id__gt=after)
        .only(*MESSAGE_FIELDS)
        .order_by("id")[:limit]
    )


def conversation_history(conversation_id: int, limit: int) -> list[Message]:
    """Return the latest ``limit`` messages of a conversation, oldest first."""
    latest = (
        Message.objects.filter(conversation_id=conversation_id)
        .only(*MESSAGE_FIELDS)
        .order_by("-id")[:limit]
    )
    return list(reversed(latest))
