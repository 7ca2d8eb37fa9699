"""Optional middleware that responds to the widget's plainly valid polls and sends early.

Every open widget polls every few seconds, and a poll needs none of the
session, locale, CSRF, authentication or message middleware. Placed right
after ``SecurityMiddleware``, this middleware responds to such polls, and
plainly valid sends, before the rest of the stack runs. Every other request,
and every widget request that needs an error response, goes on through the
stack to its view as usual. See docs/deployment.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, get_urlconf, reverse

from .api.widget.fast import poll, send, try_fast_response

logger = logging.getLogger(__name__)

FAST_VIEWS = {"messenger:widget-poll": poll, "messenger:widget-send": send}


class WidgetFastPathMiddleware:
    """Respond to plainly valid ``POST`` polls and sends without the middleware after it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        # Paths per URLconf, found with reverse() on the first request.
        self.paths: dict[Any, dict[str, Any]] = {}

    def fast_responses(self) -> dict[str, Any]:
        urlconf = get_urlconf() or settings.ROOT_URLCONF
        paths = self.paths.get(urlconf)
        if paths is None:
            paths = {}
            for name, view in FAST_VIEWS.items():
                try:
                    paths[reverse(name, urlconf=urlconf)] = view.fast_response  # type: ignore[attr-defined]
                except NoReverseMatch:
                    logger.warning("URL %s is not installed; its requests take the full path", name)
            self.paths[urlconf] = paths
        return paths

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            fast_response = self.fast_responses().get(request.path)
            if fast_response is not None:
                response = try_fast_response(request, fast_response)
                if response is not None:
                    return response
        return self.get_response(request)
