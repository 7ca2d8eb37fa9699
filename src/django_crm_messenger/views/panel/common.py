from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from ...conf import messenger_settings
from ...selectors.conversations import changes_token


def live_context(request: HttpRequest) -> dict[str, Any]:
    """Return what panel.js needs to poll for changes, passed in ``data-`` attributes."""
    return {
        "changes_token": changes_token(request.user),
        "updates_url": reverse("messenger:panel-updates"),
        "poll_interval_ms": messenger_settings.PANEL_POLL_INTERVAL_MS,
    }
