"""The base view of the public widget API: CORS, limits, error shapes and fault handling."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, cast

from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler

from ...conf import messenger_settings
from ...origins import is_crm_origin, origin_allowed
from ...selectors.widget import (
    WidgetLookup,
    all_allowed_sites,
    lookup_widget_request,
    widget_request_keys,
)
from ...state import CountedRequest, count_honeypot, increment_and_read, is_cache_failure
from ...utils import (
    DISABLED_DETAIL,
    MessengerDisabled,
    ensure_messenger_enabled_api,
    messenger_enabled,
)
from .parsers import StrictJSONParser
from .throttling import FixedWindowThrottle, client_ip, request_counters

logger = logging.getLogger(__name__)

PREFLIGHT_MAX_AGE = "600"
UNAVAILABLE_RETRY_AFTER = "30"

# Connection failures, not bugs such as IntegrityError, get a 503 response.
STORAGE_FAILURES = (OperationalError, InterfaceError)


class JSONOnlyNegotiation(BaseContentNegotiation):
    """Parse and render JSON whatever the request headers ask for, so errors keep their shape."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return next(iter(parsers))

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class WidgetError(exceptions.APIException):
    """An error response with a status and a ``detail`` message."""

    def __init__(self, status_code: int, detail: str, code: str):
        self.status_code = status_code
        super().__init__(detail=detail, code=code)


def session_expired_error() -> WidgetError:
    return WidgetError(
        status.HTTP_401_UNAUTHORIZED,
        _("The chat session has expired or is not valid. Start the chat again."),
        "session_invalid",
    )


class WidgetAPIView(APIView):
    """Base for config, bootstrap, send and poll: cross-origin, CSRF-exempt, token-authenticated.

    A request goes through these checks in order, and the first that fails
    sets the status. The checks are the messenger flag (404), the body size
    (413), the rate limits (429), the JSON body (400), the widget token (404)
    and the Origin (403). Then come the honeypot (a success-shaped response),
    the fields (400) and the session (401).
    """

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = [StrictJSONParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONOnlyNegotiation
    serializer_class: Any = None
    #: The cached state of the inbox that the widget token names, set by ``lookup``.
    inbox: dict[str, Any]
    cors_origin: str | None = None
    prefetched: tuple[list[str], dict[str, Any]] | None = None
    _body_checked = False

    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], Response | None]:
        # The host project's EXCEPTION_HANDLER may reshape errors; this
        # public API keeps DRF's documented shape whatever it is.
        return exception_handler

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if request.method != "OPTIONS":
            ensure_messenger_enabled_api()
        super().initial(request, *args, **kwargs)
        self.check_body_size(request)

    def check_throttles(self, request: Request) -> None:
        """Check every rate limit and read the request's cached state in one round trip.

        A body that does not parse still counts against the per-IP limit
        before its 400. Preflights are not counted: browsers send one before
        many requests and they touch no data.
        """
        if request.method == "OPTIONS":
            return
        self.check_body_size(request)
        parse_error = None
        try:
            data = request.data
        except exceptions.ParseError as exc:
            parse_error, data = exc, None

        # The widget views list only FixedWindowThrottle classes.
        candidates = [
            throttle
            for throttle in cast("list[FixedWindowThrottle]", self.get_throttles())
            if not (throttle.reads_body and parse_error is not None)
        ]
        throttles, counters = request_counters(candidates, request, data)
        keys: list[str] = []
        if isinstance(data, dict):
            keys = widget_request_keys(data.get("widget_token"), data.get("widget_session_token"))

        # A request that the fast path handed over was counted there already.
        counted: CountedRequest | None = getattr(request._request, "messenger_counted", None)
        if counted is not None and counted.matches(counters, keys):
            counts, found = counted.counts, counted.found
        else:
            counts, found = increment_and_read(counters, keys)
        self.prefetched = (keys, found)
        waits = [
            throttle.wait()
            for throttle, count in zip(throttles, counts, strict=True)
            if not throttle.check_count(request, count)
        ]
        if waits:
            self.throttled(request, max(waits))
        if parse_error is not None:
            raise parse_error

    def check_body_size(self, request: Request) -> None:
        if self._body_checked or request.method == "OPTIONS":
            return
        limit = messenger_settings.MAX_REQUEST_BYTES
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            too_large = not declared.isdigit() or int(declared) > limit or len(request.body) > limit
        except RequestDataTooBig:
            too_large = True
        if too_large:
            logger.warning(
                "Widget request from %s rejected: body over %d bytes", client_ip(request), limit
            )
            raise WidgetError(
                status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                _("The request body is larger than %(limit)d bytes.") % {"limit": limit},
                "too_large",
            )
        self._body_checked = True

    # DRF hands every handler its own Request; django-stubs types View.options with HttpRequest.
    def options(self, request: Request, *args: Any, **kwargs: Any) -> Response:  # type: ignore[override]
        """Respond to a CORS preflight from an origin that some active inbox allows, else 403.

        While the messenger is off, an allowed origin still gets its preflight
        so that the browser can read the POST's ``Messenger disabled`` response.
        Any other preflight then gets that 404 itself.
        """
        origin = request.headers.get("Origin")
        if not messenger_enabled():
            if origin is None or self._error_cors_origin(request) is None:
                raise MessengerDisabled(DISABLED_DETAIL)
        if origin is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        if not (
            is_crm_origin(request, origin) or origin_allowed(request, origin, all_allowed_sites())
        ):
            logger.warning("Widget preflight rejected: origin %r is not allowed", origin[:200])
            raise self.origin_error()
        response = Response(status=status.HTTP_204_NO_CONTENT)
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type, Accept-Language"
        response["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
        self.cors_origin = origin
        return response

    def parse(self, request: Request) -> tuple[dict[str, Any], Any]:
        """Parse the body and run the serializer without raising its errors yet.

        The token and origin are checked before field errors are reported, so
        a request from a foreign site gets 403 whatever else is wrong with it.
        """
        data = request.data
        if not isinstance(data, dict):
            raise exceptions.ParseError(_("The request body must be a JSON object."))
        serializer = self.simple_values(data)
        if serializer is None:
            serializer = self.serializer_class(data=data)
            serializer.is_valid()
        return data, serializer

    def simple_values(self, data: dict[str, Any]) -> Any:
        """Return the validated fields of plainly valid input, or None to use the serializer."""
        return None

    def lookup(self, request: Request, data: dict[str, Any], serializer: Any) -> WidgetLookup:
        """Find the inbox (404) and check the request's ``Origin`` against it (403)."""
        if "widget_token" in serializer.errors:
            raise exceptions.ValidationError({"widget_token": serializer.errors["widget_token"]})
        widget_token = data["widget_token"]
        session_token = data.get("widget_session_token")
        if "widget_session_token" in serializer.errors:
            session_token = None
        lookup = lookup_widget_request(widget_token, session_token, self.prefetched)
        inbox = lookup.inbox
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
            raise self.origin_error()
        self.inbox = inbox
        if origin:
            self.cors_origin = origin
        return lookup

    def origin_error(self) -> WidgetError:
        self.forbidden_origin = True
        return WidgetError(
            status.HTTP_403_FORBIDDEN,
            _("This website is not allowed to use this chat widget."),
            "origin_not_allowed",
        )

    def honeypot_filled(self, request: Request, serializer: Any) -> bool:
        """Return True, after logging and counting it, if the request filled the honeypot."""
        # parse() has already rejected a body that is not a JSON object.
        data = cast("dict[str, Any]", request.data)
        if "honeypot" in serializer.errors or data.get("honeypot") in (None, "", False, 0, [], {}):
            return False
        logger.warning(
            "Widget request for inbox %s from %s dropped: honeypot field filled",
            self.inbox["id"],
            client_ip(request),
        )
        count_honeypot()
        return True

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, MessengerDisabled):
            return Response({"detail": DISABLED_DETAIL}, status=status.HTTP_404_NOT_FOUND)
        if is_cache_failure(exc) or isinstance(exc, STORAGE_FAILURES):
            logger.error(
                "Widget API storage unavailable on %s: %s: %s",
                self.request.path,
                type(exc).__name__,
                exc,
            )
            return Response(
                {"detail": _("The chat is temporarily unavailable. Please try again shortly.")},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
                headers={"Retry-After": UNAVAILABLE_RETRY_AFTER},
            )
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
            if not (is_cache_failure(exc) or isinstance(exc, DatabaseError)):
                raise
            return None
        return origin if allowed else None

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        origin = self.cors_origin
        if origin is None and not getattr(self, "forbidden_origin", False):
            origin = self._error_cors_origin(request)
        if origin:
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Expose-Headers"] = "Retry-After"
        patch_vary_headers(response, ["Origin"])
        response["Cache-Control"] = "no-store"
        return response
