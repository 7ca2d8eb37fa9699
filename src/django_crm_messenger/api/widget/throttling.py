"""Rate limits for the public widget API, per client IP and per inbox.

Rates come from MESSENGER_THROTTLE_RATES, read through ``conf``, so
``override_settings`` changes them at once. Counters use fixed windows kept in the shared
cache, so every server process counts against the same limit. The widget
views increment all counters and read the request's state in one round trip
to Redis (``state.increment_and_read``), which keeps an idle poll cheap.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from functools import lru_cache
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from rest_framework.throttling import BaseThrottle

from ...conf import messenger_settings
from ...state import increment_counter, token_digest

logger = logging.getLogger(__name__)

DURATIONS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# IPv6 clients usually get a whole /64, so one client is one /64 prefix;
# otherwise a single host could rotate addresses to escape the limit.
IPV6_CLIENT_PREFIX = 64


@lru_cache(maxsize=64)
def parse_rate(rate: str) -> tuple[int, int]:
    """Parse ``"20/min"`` into (20, 60); the period's first letter picks the unit."""
    count, _, period = str(rate).partition("/")
    try:
        return int(count), DURATIONS[period.strip()[0].lower()]
    except (ValueError, KeyError, IndexError):
        raise ImproperlyConfigured(
            f"MESSENGER_THROTTLE_RATES has the rate {rate!r}, which is not of the form "
            "'count/period' with a period of s, min, h or day, such as '20/min'."
        ) from None


@lru_cache(maxsize=4096)
def client_digest(address: str) -> str:
    """Return the digest that names a client address (its /64 for IPv6) in counter keys."""
    return token_digest(_client_key(address))[:32]


def _client_key(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 4:
        return address
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/{IPV6_CLIENT_PREFIX}", strict=False))


def client_ip(request: Any) -> str:
    """Return the client address: REMOTE_ADDR, or the entry a trusted proxy added.

    With MESSENGER_TRUSTED_PROXY_COUNT = N, the N-th address from the right of
    X-Forwarded-For is the one the outermost trusted proxy saw. Entries to the
    left of it come from the client and are never read, so a client cannot
    choose its own address. Other headers (X-Real-IP, Forwarded,
    CF-Connecting-IP) are never read. An entry that is not an IP address
    falls back to REMOTE_ADDR.
    """
    remote_addr = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = messenger_settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote_addr
    header: str = request.META.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = [part.strip() for part in header.split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return remote_addr
    candidate = forwarded[-proxies]
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return remote_addr
    return candidate


class FixedWindowThrottle(BaseThrottle):
    """Allow ``rate`` requests per window for each key; the rate's name is ``scope``.

    The widget views count all their throttles in one round trip to the
    cache through ``counter`` and ``check_count``. ``allow_request`` counts
    one throttle on its own, so the classes also work in any DRF view.
    """

    scope = ""
    #: True when the key comes from the request body, which must be parsed first.
    reads_body = False
    # Set by ``counter`` for the request's window.
    rate: str
    limit: int
    wait_seconds = 1.0

    # Set by ``counter``: the key part that names the client or the inbox.
    ident = ""

    def get_ident_key(self, request: Any, data: Any) -> str | None:
        """Return what this throttle counts by; ``data`` is the parsed request body."""
        raise NotImplementedError

    def describe(self, request: Any) -> str:
        return ""

    def counter(self, request: Any, data: Any) -> tuple[str, int] | None:
        """Return the cache key and timeout of this request's window, or None if not limited.

        ``request`` may be a DRF or a plain Django request: only its ``META``
        is read, and the body comes parsed in ``data``.
        """
        rate = messenger_settings.THROTTLE_RATES.get(self.scope)
        if not rate:
            return None
        ident = self.get_ident_key(request, data)
        if ident is None:
            return None
        self.ident = ident
        self.rate = rate
        self.limit, duration = parse_rate(rate)
        now = time.time()
        window = int(now // duration)
        self.wait_seconds = (window + 1) * duration - now
        return f"messenger:throttle:{self.scope}:{ident}:{window}", duration + 1

    def check_count(self, request: Any, count: int) -> bool:
        """Return True if ``count`` requests fit in the window's limit."""
        if count == self.limit + 1:
            # Logged once per key and window, so a flood does not flood the log.
            logger.warning(
                "Widget rate limit %s (%s) reached by %s",
                self.scope,
                self.rate,
                self.describe(request),
            )
        return count <= self.limit

    def allow_request(self, request: Any, view: Any) -> bool:
        counter = self.counter(request, request.data if self.reads_body else None)
        if counter is None:
            return True
        return self.check_count(request, increment_counter(*counter))

    def wait(self) -> float:
        return max(1.0, self.wait_seconds)


def request_counters(
    throttles: list[FixedWindowThrottle], request: Any, data: Any
) -> tuple[list[FixedWindowThrottle], list[tuple[str, int]]]:
    """Return the throttles that limit this request and their ``(key, timeout)`` counters."""
    limiting: list[FixedWindowThrottle] = []
    counters: list[tuple[str, int]] = []
    for throttle in throttles:
        counter = throttle.counter(request, data)
        if counter is not None:
            limiting.append(throttle)
            counters.append(counter)
    return limiting, counters


class ClientIPThrottle(FixedWindowThrottle):
    def get_ident_key(self, request: Any, data: Any) -> str | None:
        return client_digest(client_ip(request))

    def describe(self, request: Any) -> str:
        return f"client {_client_key(client_ip(request))}"


class InboxThrottle(FixedWindowThrottle):
    reads_body = True

    def get_ident_key(self, request: Any, data: Any) -> str | None:
        token = data.get("widget_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token or len(token) > 128:
            return None
        return token_digest(token)[:32]

    def describe(self, request: Any) -> str:
        # A prefix of the token's digest identifies the inbox in the log
        # without writing the token itself.
        return f"widget token digest {self.ident}"[:40]


class BootstrapIPThrottle(ClientIPThrottle):
    scope = "bootstrap_ip"


class BootstrapInboxThrottle(InboxThrottle):
    scope = "bootstrap_inbox"


class WidgetIPThrottle(ClientIPThrottle):
    scope = "widget_ip"


class WidgetInboxThrottle(InboxThrottle):
    scope = "widget_inbox"


class ConfigIPThrottle(ClientIPThrottle):
    scope = "config_ip"
