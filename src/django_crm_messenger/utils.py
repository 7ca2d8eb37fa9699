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
from typing import Any, Concatenate, ParamSpec, TypeVar

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from .conf import messenger_settings
from .state import get_cache, token_digest

logger = logging.getLogger(__name__)

_P = ParamSpec("_P")
_R = TypeVar("_R", bound=HttpResponseBase)

DISABLED_DETAIL = "Messenger disabled"

# A session is written back to the cache at most this often, so polling
# does not turn every read into a write while the expiry still slides.
SESSION_REFRESH_INTERVAL = 3600

# Decoy sessions only have to outlive a bot's next few requests.
DECOY_SESSION_TTL = 3600


class MessengerDisabled(Exception):
    """Raised when MESSENGER_ENABLED is off. The API returns 404 for it."""


def messenger_enabled() -> bool:
    return messenger_settings.ENABLED


def ensure_messenger_enabled_api() -> None:
    """Raise ``MessengerDisabled`` (returned as 404 ``Messenger disabled``) while off."""
    if not messenger_settings.ENABLED:
        raise MessengerDisabled(DISABLED_DETAIL)


def ensure_messenger_enabled_view(
    view: Callable[Concatenate[HttpRequest, _P], _R],
) -> Callable[Concatenate[HttpRequest, _P], _R]:
    """Decorate a page view so that it raises ``Http404`` while the messenger is off."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        if not messenger_settings.ENABLED:
            raise Http404(DISABLED_DETAIL)
        return view(request, *args, **kwargs)

    return wrapper


@dataclass(frozen=True)
class WidgetSession:
    """One visitor's session, as stored in the cache under a digest of its token.

    A decoy session is handed to a request whose honeypot was filled. Sends
    and polls with it succeed like real ones and store nothing.
    """

    inbox_id: int
    conversation_id: int
    contact_id: int
    generation: int
    decoy: bool = False


def session_cache_key(session_token: str) -> str:
    """Return the cache key of a session: a SHA-256 digest, never the token itself."""
    return f"messenger:session:{token_digest(session_token)}"


def session_conversation_hint(session_token: str) -> int | None:
    """Return the conversation id that a session token names in its public prefix.

    Tokens read ``<conversation id>.<secret>``, so a poll can fetch the
    conversation's cached state in the same round trip as the session. The
    prefix is only a hint: the session stored under the whole token decides.
    """
    prefix, dot, _secret = session_token.partition(".")
    if not dot or not prefix.isdigit() or len(prefix) > 18:
        return None
    return int(prefix)


def _refresh_interval(ttl: int) -> int:
    return max(1, min(SESSION_REFRESH_INTERVAL, ttl // 4))


def create_widget_session(
    *,
    inbox_id: int,
    conversation_id: int,
    contact_id: int,
    generation: int = 1,
    widget_token: str = "",
    decoy: bool = False,
) -> str:
    """Store a new widget session and return its secret token (256 random bits).

    Only a SHA-256 digest of the token is used as the cache key, so a dump of
    the cache does not reveal tokens that could be replayed. The session is
    bound to the inbox's session generation and, when given, to a digest of
    the widget token it was made with.
    """
    token = f"{conversation_id}.{secrets.token_urlsafe(32)}"
    value = {
        "inbox_id": inbox_id,
        "conversation_id": conversation_id,
        "contact_id": contact_id,
        "generation": generation,
        "widget": token_digest(widget_token)[:16] if widget_token else "",
        "refreshed_at": int(time.time()),
    }
    ttl = messenger_settings.SESSION_TTL
    if decoy:
        value["decoy"] = True
        ttl = min(ttl, DECOY_SESSION_TTL)
    get_cache().set(session_cache_key(token), value, ttl)
    return token


def session_from_value(
    session_token: str,
    value: Any,
    *,
    inbox_id: int,
    generation: int | None = None,
    widget_token: str = "",
) -> WidgetSession | None:
    """Check a session value fetched from the cache and slide its expiry when due.

    ``generation`` is the inbox's current session generation. A session made
    before the inbox's token was regenerated or the inbox deactivated carries
    an older one and is rejected. So is a session made with another widget
    token.
    """
    if not isinstance(value, dict) or value.get("inbox_id") != inbox_id:
        return None
    if generation is not None and value.get("generation") != generation:
        return None
    bound_to = value.get("widget")
    if bound_to and widget_token and bound_to != token_digest(widget_token)[:16]:
        return None

    ttl = messenger_settings.SESSION_TTL
    now = int(time.time())
    if not value.get("decoy") and now - int(value.get("refreshed_at", 0)) >= _refresh_interval(ttl):
        value["refreshed_at"] = now
        get_cache().set(session_cache_key(session_token), value, ttl)

    return WidgetSession(
        inbox_id=value["inbox_id"],
        conversation_id=value["conversation_id"],
        contact_id=value["contact_id"],
        generation=value.get("generation", 1),
        decoy=bool(value.get("decoy")),
    )


def is_session_token(session_token: Any) -> bool:
    return isinstance(session_token, str) and 0 < len(session_token) <= 128


def get_widget_session(
    session_token: str,
    *,
    inbox_id: int,
    generation: int | None = None,
    widget_token: str = "",
) -> WidgetSession | None:
    """Return the session for a token if it belongs to this inbox and is current.

    Using a session slides its expiry (the cache entry is rewritten at most
    every SESSION_REFRESH_INTERVAL seconds).
    """
    if not is_session_token(session_token):
        return None
    value = get_cache().get(session_cache_key(session_token))
    return session_from_value(
        session_token, value, inbox_id=inbox_id, generation=generation, widget_token=widget_token
    )


def delete_widget_session(session_token: str) -> None:
    get_cache().delete(session_cache_key(session_token))
