"""The HTML snippet that embeds the widget on a website."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from .conf import messenger_settings


def public_base_url(request: HttpRequest | None = None) -> str:
    """Return the CRM's absolute base URL: MESSENGER_PUBLIC_BASE_URL, else the request's."""
    if messenger_settings.PUBLIC_BASE_URL:
        return messenger_settings.PUBLIC_BASE_URL
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return ""


def absolute_static(path: str, base_url: str) -> str:
    """Return the URL of a static file, prefixed with ``base_url`` unless it is absolute."""
    url = static(path)
    if url.startswith(("http://", "https://", "//")):
        return url
    return f"{base_url}{url}"


def derived_api_url(script_url: str) -> str:
    """Return the API URL that widget.js derives from its own URL.

    The script takes the part of its URL before the last ``/static/`` and adds
    ``/api/widget/``. This function applies the same rule, so the snippet adds
    ``data-api-url`` only when the derived URL would be wrong.
    """
    parts = urlsplit(script_url)
    cut = parts.path.rfind("/static/")
    prefix = parts.path[:cut] if cut >= 0 else ""
    return f"{parts.scheme}://{parts.netloc}{prefix}/api/widget/"


def widget_api_url(base_url: str) -> str:
    """Return the absolute URL under which bootstrap, send and poll are mounted, or ""."""
    try:
        bootstrap = reverse("messenger:widget-bootstrap")
    except NoReverseMatch:
        return ""
    return f"{base_url}{bootstrap.removesuffix('bootstrap/')}"


def embed_snippet(inbox_or_token: Any, base_url: str, nonce: str = "") -> SafeString:
    """Return the ``<link>`` and ``<script>`` tags for an inbox (an object or its token).

    The snippet holds no inline code, so it works on pages with a strict
    Content-Security-Policy that allows the CRM's host. ``nonce`` is copied to
    both tags for pages whose policy works with nonces. ``data-api-url`` is
    added only when the API is not where the script would look for it, such
    as when static files are served from another host.
    """
    token = getattr(inbox_or_token, "widget_token", inbox_or_token)
    script_url = absolute_static("messenger/widget.js", base_url)
    api_url = widget_api_url(base_url)

    extra = mark_safe("")
    if api_url and api_url != derived_api_url(script_url):
        extra = format_html(' data-api-url="{}"', api_url)
    nonce_attribute = format_html(' nonce="{}"', nonce) if nonce else mark_safe("")

    return format_html(
        '<link rel="stylesheet" href="{}"{}>\n'
        '<script src="{}" data-widget-token="{}"{}{}></script>',
        absolute_static("messenger/widget.css", base_url),
        nonce_attribute,
        script_url,
        token,
        extra,
        nonce_attribute,
    )
