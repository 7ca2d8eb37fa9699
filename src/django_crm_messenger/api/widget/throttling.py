"""Rate limits for the public widget API, per client IP and per inbox.

Rates come from MESSENGER_THROTTLE_RATES when a request arrives, so changing
the setting needs no restart. Counters use fixed windows kept in the shared
cache: one ``add`` and one ``incr`` per check, which keeps a poll cheap and
works the same across several server processes.
"""

from __future__ import annotations

import time
from typing import Any

from rest_framework.throttling import BaseThrottle

from ...conf import messenger_settings
from ...state import get_cache, token_digest

DURATIONS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """Parse ``"20/min"`` into (20, 60); the period's first letter picks the unit."""
    count, _, period = rate.partition("/")
    return int(count), DURATIONS[period.strip()[0].lower()]


def client_ip(request: Any) -> str:
    """Return the client address: REMOTE_ADDR, or the entry a trusted proxy added.

    With MESSENGER_TRUSTED_PROXY_COUNT = N, the N-th address from the right of
    X-Forwarded-For is the one the outermost trusted proxy saw. Entries to the
    left of it come from the client and are never read, so a client cannot
    choose its own address.
    """
    remote_addr = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = messenger_settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote_addr
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    ]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return remote_addr
    return forwarded[-proxies]


class FixedWindowThrottle(BaseThrottle):
    """Allow ``rate`` requests per window for each key; the rate's name is ``scope``."""

    scope = ""

    def get_ident_key(self, request: Any, view: Any) -> str | None:
        raise NotImplementedError

    def allow_request(self, request: Any, view: Any) -> bool:
        ident = self.get_ident_key(request, view)
        if ident is None:
            return True
        rate = messenger_settings.THROTTLE_RATES.get(self.scope)
        if not rate:
            return True
        limit, duration = parse_rate(rate)

        now = time.time()
        window = int(now // duration)
        key = f"messenger:throttle:{self.scope}:{ident}:{window}"
        cache = get_cache()
        if cache.add(key, 1, duration + 1):
            count = 1
        else:
            try:
                count = cache.incr(key)
            except ValueError:
                # The key expired between add() and incr(); start a new window.
                cache.set(key, 1, duration + 1)
                count = 1
        self.wait_seconds = (window + 1) * duration - now
        return count <= limit

    def wait(self) -> float | None:
        return max(1.0, getattr(self, "wait_seconds", 1.0))


class ClientIPThrottle(FixedWindowThrottle):
    def get_ident_key(self, request: Any, view: Any) -> str | None:
        return token_digest(client_ip(request))[:32]


class InboxThrottle(FixedWindowThrottle):
    def get_ident_key(self, request: Any, view: Any) -> str | None:
        data = request.data
        token = data.get("widget_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            return None
        return token_digest(token)[:32]


class BootstrapIPThrottle(ClientIPThrottle):
    scope = "bootstrap_ip"


class BootstrapInboxThrottle(InboxThrottle):
    scope = "bootstrap_inbox"


class WidgetIPThrottle(ClientIPThrottle):
    scope = "widget_ip"


class WidgetInboxThrottle(InboxThrottle):
    scope = "widget_inbox"
