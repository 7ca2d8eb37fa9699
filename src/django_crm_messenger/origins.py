"""Matching a browser's ``Origin`` header against an inbox's allowed sites.

A site is written as an origin (``https://shop.example.com``, with a port if
it is not the default one) or with a wildcard label for every subdomain
(``https://*.example.com``, which does not match ``example.com`` itself). A
site written without a scheme means ``https``.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from django.http import HttpRequest

from .conf import messenger_settings

DEFAULT_PORTS = {"http": 80, "https": 443}


@lru_cache(maxsize=2048)
def split_origin(value: str) -> tuple[str, str, int] | None:
    """Return (scheme, host, port) of an origin or site pattern, or None if it is not one."""
    if not isinstance(value, str) or len(value) > 300:
        return None
    value = value.strip()
    if not value or value == "null":
        return None
    if "://" not in value:
        value = f"https://{value}"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if scheme not in DEFAULT_PORTS or not host or parts.username or parts.password:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    return scheme, host, port or DEFAULT_PORTS[scheme]


def normalize_site(value: str) -> str | None:
    """Return a site pattern in its stored form (``scheme://host[:port]``), or None if invalid."""
    parts = split_origin(value)
    if parts is None:
        return None
    scheme, host, port = parts
    labels = host.split(".")
    if "*" in host and (labels[0] != "*" or "*" in labels[1:] or len(labels) < 3):
        return None
    suffix = "" if port == DEFAULT_PORTS[scheme] else f":{port}"
    return f"{scheme}://{host}{suffix}"


def site_matches(origin: str, site: str) -> bool:
    origin_parts = split_origin(origin)
    site_parts = split_origin(site)
    if origin_parts is None or site_parts is None:
        return False
    origin_scheme, origin_host, origin_port = origin_parts
    site_scheme, site_host, site_port = site_parts
    if origin_scheme != site_scheme or origin_port != site_port or "*" in origin_host:
        return False
    if site_host.startswith("*."):
        return origin_host.endswith(site_host[1:]) and origin_host != site_host[2:]
    return origin_host == site_host


def is_crm_origin(request: HttpRequest, origin: str) -> bool:
    """Return True for the CRM's own origin (the demo page) and MESSENGER_CRM_ORIGINS.

    The CRM's origin is the request's own scheme and host, and the origin of
    MESSENGER_PUBLIC_BASE_URL when set, which covers a CRM behind a proxy
    that terminates HTTPS.
    """
    own = f"{request.scheme}://{request.get_host()}"
    if site_matches(origin, own):
        return True
    public_url = messenger_settings.PUBLIC_BASE_URL
    if public_url:
        # "https://crm.example.com/sub/path" -> "https://crm.example.com"
        public_origin = "/".join(public_url.split("/", 3)[:3])
        if site_matches(origin, public_origin):
            return True
    return any(site_matches(origin, site) for site in messenger_settings.CRM_ORIGINS)


def origin_allowed(request: HttpRequest, origin: str, sites: list[str]) -> bool:
    return is_crm_origin(request, origin) or any(site_matches(origin, site) for site in sites)
