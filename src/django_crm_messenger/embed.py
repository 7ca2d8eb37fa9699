"""The HTML snippet that embeds the widget on a website."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

from .conf import messenger_settings


def public_base_url(request: HttpRequest | None = None) -> str:
    """Return the CRM's absolute base URL: MESSENGER_PUBLIC_BASE_URL, else the request's."""
    if messenger_settings.PUBLIC_BASE_URL:
        return messenger_settings.PUBLIC_BASE_URL
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return ""


def absolute_static(path: str, base_url: str) -> str:
    url = static(path)
    if url.startswith(("http://", "https://", "//")):
        return url
    return f"{base_url}{url}"


def embed_snippet(inbox_or_token: Any, base_url: str) -> SafeString:
    """Return the ``<link>`` and ``<script>`` tags for an inbox (an object or its token).

    The snippet holds no inline code, so it works on pages with a strict
    Content-Security-Policy that allows the CRM's host.
    """
    token = getattr(inbox_or_token, "widget_token", inbox_or_token)
    return format_html(
        '<link rel="stylesheet" href="{}">\n<script src="{}" data-widget-token="{}"></script>',
        absolute_static("messenger/widget.css", base_url),
        absolute_static("messenger/widget.js", base_url),
        token,
    )
