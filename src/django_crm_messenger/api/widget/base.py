"""The base view of the public widget API: CORS, error shapes and fault handling."""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ...conf import messenger_settings
from ...origins import is_crm_origin, origin_allowed
from ...selectors.widget import all_allowed_sites, get_inbox_state
from ...utils import DISABLED_DETAIL, MessengerDisabled, ensure_messenger_enabled_api
from .throttling import client_ip

logger = logging.getLogger(__name__)

CACHE_ERROR_MODULES = ("redis", "django_redis", "pymemcache", "pylibmc", "memcache")
PREFLIGHT_MAX_AGE = "600"


class JSONOnlyNegotiation(BaseContentNegotiation):
    """Always answer JSON, whatever ``Accept`` says, so errors keep their documented shape."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def is_cache_failure(exc: BaseException) -> bool:
    """Return True for an error raised by an unreachable cache server."""
    module = type(exc).__module__.split(".")[0]
    return module in CACHE_ERROR_MODULES or isinstance(exc, ConnectionError | TimeoutError)


class WidgetError(exceptions.APIException):
    """An error answered with a status and a ``detail`` message."""

    def __init__(self, status_code: int, detail: str, code: str):
        self.status_code = status_code
        super().__init__(detail=detail, code=code)


class WidgetAPIView(APIView):
    """Base for bootstrap, send and poll: cross-origin, CSRF-exempt, token-authenticated."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONOnlyNegotiation
    serializer_class: Any = None
    inbox: dict[str, Any] | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        ensure_messenger_enabled_api()
        declared = request.META.get("CONTENT_LENGTH") or "0"
        limit = messenger_settings.MAX_REQUEST_BYTES
        if not declared.isdigit() or int(declared) > limit or len(request.body) > limit:
            raise WidgetError(
                status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                _("The request body is larger than %(limit)d bytes.") % {"limit": limit},
                "too_large",
            )
        super().initial(request, *args, **kwargs)

    def options(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Answer a CORS preflight for origins that some active inbox allows."""
        ensure_messenger_enabled_api()
        origin = request.headers.get("Origin", "")
        response = Response(status=status.HTTP_204_NO_CONTENT)
        if origin and (
            is_crm_origin(request, origin) or origin_allowed(request, origin, all_allowed_sites())
        ):
            response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Content-Type"
            response["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
            self.cors_origin = origin
        return response

    def validated(self, request: Request) -> dict[str, Any]:
        if not isinstance(request.data, dict):
            raise exceptions.ParseError(_("The request body must be a JSON object."))
        serializer = self.serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def load_inbox(self, request: Request, widget_token: str) -> dict[str, Any]:
        """Return the active inbox's state and check the request's ``Origin`` against it."""
        inbox = get_inbox_state(widget_token)
        if inbox is None:
            logger.warning("Widget request rejected: unknown or inactive widget token")
            raise WidgetError(
                status.HTTP_404_NOT_FOUND,
                _("This chat widget does not exist or is switched off."),
                "inbox_not_found",
            )
        origin = request.headers.get("Origin")
        if origin is not None and not origin_allowed(request, origin, inbox["allowed_sites"]):
            logger.warning(
                "Widget request for inbox %s rejected: origin %r is not allowed",
                inbox["id"],
                origin[:200],
            )
            raise WidgetError(
                status.HTTP_403_FORBIDDEN,
                _("This website is not allowed to use this chat widget."),
                "origin_not_allowed",
            )
        self.inbox = inbox
        if origin:
            self.cors_origin = origin
        return inbox

    def log_honeypot(self, request: Request) -> None:
        from ...state import get_cache

        inbox_id = self.inbox["id"] if self.inbox else None
        logger.warning(
            "Widget request for inbox %s from %s dropped: honeypot field filled",
            inbox_id,
            client_ip(request),
        )
        cache = get_cache()
        if not cache.add("messenger:honeypot-count", 1, None):
            cache.incr("messenger:honeypot-count")

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, MessengerDisabled):
            return Response({"detail": DISABLED_DETAIL}, status=status.HTTP_404_NOT_FOUND)
        if is_cache_failure(exc):
            logger.error("Widget API cache unavailable: %s: %s", type(exc).__name__, exc)
            return Response(
                {"detail": _("The chat is temporarily unavailable. Please try again shortly.")},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
                headers={"Retry-After": "30"},
            )
        if isinstance(exc, exceptions.Throttled):
            logger.warning(
                "Widget request throttled on %s from %s",
                self.request.path,
                client_ip(self.request),
            )
        if isinstance(exc, exceptions.UnsupportedMediaType):
            exc = exceptions.ParseError(_("Send the request body as JSON."))
        return super().handle_exception(exc)

    def _error_cors_origin(self, request: Request) -> str | None:
        """Return the Origin to expose an early error to, if any active inbox allows it.

        Errors raised before the inbox is known (validation, rate limits) still
        reach the widget this way, so it can read ``Retry-After`` on a 429.
        """
        origin = request.headers.get("Origin")
        if not origin:
            return None
        try:
            allowed = is_crm_origin(request, origin) or origin_allowed(
                request, origin, all_allowed_sites()
            )
        except Exception as exc:
            if not is_cache_failure(exc):
                raise
            return None
        return origin if allowed else None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        origin = getattr(self, "cors_origin", None)
        if origin is None and response.status_code != status.HTTP_403_FORBIDDEN:
            origin = self._error_cors_origin(request)
        if origin:
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Expose-Headers"] = "Retry-After"
        response["Vary"] = "Origin"
        response["Cache-Control"] = "no-store"
        return response
