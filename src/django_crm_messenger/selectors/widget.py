"""Lookups for the public widget API, answered from the cache where possible."""

from __future__ import annotations

from typing import Any

from ..models import Inbox
from ..state import (
    ALLOWED_SITES_KEY,
    INBOX_STATE_TTL,
    UNKNOWN_INBOX_TTL,
    get_cache,
    inbox_state,
    inbox_state_key,
)

UNKNOWN = {"unknown": True}


def get_inbox_state(widget_token: str) -> dict[str, Any] | None:
    """Return the cached state of the active inbox with this token, or None.

    Unknown tokens are cached briefly too, so random tokens cannot make every
    request reach the database.
    """
    cache = get_cache()
    key = inbox_state_key(widget_token)
    state = cache.get(key)
    if state is None:
        inbox = Inbox.objects.filter(widget_token=widget_token).first()
        if inbox is None:
            cache.set(key, UNKNOWN, UNKNOWN_INBOX_TTL)
            return None
        state = inbox_state(inbox)
        cache.set(key, state, INBOX_STATE_TTL)
    if state.get("unknown") or not state.get("is_active"):
        return None
    return state


def all_allowed_sites() -> list[str]:
    """Return the allowed sites of every active inbox, for answering CORS preflights."""
    cache = get_cache()
    sites = cache.get(ALLOWED_SITES_KEY)
    if sites is None:
        sites = sorted(
            {
                site
                for site_list in Inbox.objects.filter(is_active=True).values_list(
                    "allowed_sites", flat=True
                )
                for site in (site_list or [])
            }
        )
        cache.set(ALLOWED_SITES_KEY, sites, INBOX_STATE_TTL)
    return sites
