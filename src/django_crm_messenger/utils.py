"""The feature flag and visitor widget sessions.

``ensure_messenger_enabled_api`` and ``ensure_messenger_enabled_view`` are the
only places that read MESSENGER_ENABLED; every endpoint and page goes through
one of them, so the routes stay registered while the flag is off.
"""

from __future__ import annotations

import functools
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from .conf import messenger_settings
from .state import get_cache, token_digest

logger = logging.getLogger(__name__)

DISABLED_DETAIL = "Messenger disabled"

# A session is written back to the cache at most this often, so polling
# does not turn every read into a write while the expiry still slides.
SESSION_REFRESH_INTERVAL = 3600


class MessengerDisabled(Exception):
    """Raised when MESSENGER_ENABLED is off; the API answers it with 404."""


def messenger_enabled() -> bool:
    return messenger_settings.ENABLED


def ensure_messenger_enabled_api() -> None:
    """Raise ``MessengerDisabled`` (answered as 404 ``Messenger disabled``) while off."""
    if not messenger_settings.ENABLED:
        raise MessengerDisabled(DISABLED_DETAIL)


def ensure_messenger_enabled_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a page view so that it raises ``Http404`` while the messenger is off."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not messenger_settings.ENABLED:
            raise Http404(DISABLED_DETAIL)
        return view(request, *args, **kwargs)

    return wrapper


@dataclass(frozen=True)
class WidgetSession:
    """One visitor's session, as stored in the cache under a digest of its token."""

    inbox_id: int
    conversation_id: int
    contact_id: int
    generation: int


def _session_key(session_token: str) -> str:
    return f"messenger:session:{token_digest(session_token)}"


def create_widget_session(
    *, inbox_id: int, conversation_id: int, contact_id: int, generation: int = 1
) -> str:
    """Store a new widget session and return its secret token (256 random bits).

    Only a SHA-256 digest of the token is used as the cache key, so a dump of
    the cache does not reveal tokens that could be replayed.
    """
    token = secrets.token_urlsafe(32)
    value = {
        "inbox_id": inbox_id,
        "conversation_id": conversation_id,
        "contact_id": contact_id,
        "generation": generation,
        "refreshed_at": int(time.time()),
    }
    get_cache().set(_session_key(token), value, messenger_settings.SESSION_TTL)
    return token


def get_widget_session(
    session_token: str, *, inbox_id: int, generation: int | None = None
) -> WidgetSession | None:
    """Return the session for a token if it belongs to this inbox and is current.

    ``generation`` is the inbox's current session generation; a session made
    before the inbox's token was regenerated or the inbox deactivated carries
    an older one and is rejected. Using a session slides its expiry.
    """
    if not session_token or not isinstance(session_token, str) or len(session_token) > 128:
        return None
    cache = get_cache()
    key = _session_key(session_token)
    value = cache.get(key)
    if not isinstance(value, dict) or value.get("inbox_id") != inbox_id:
        return None
    if generation is not None and value.get("generation") != generation:
        return None

    now = int(time.time())
    if now - int(value.get("refreshed_at", 0)) >= SESSION_REFRESH_INTERVAL:
        value["refreshed_at"] = now
        cache.set(key, value, messenger_settings.SESSION_TTL)

    return WidgetSession(
        inbox_id=value["inbox_id"],
        conversation_id=value["conversation_id"],
        contact_id=value["contact_id"],
        generation=value.get("generation", 1),
    )


def delete_widget_session(session_token: str) -> None:
    get_cache().delete(_session_key(session_token))
