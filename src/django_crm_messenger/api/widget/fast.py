"""Plain Django views that respond to the busiest widget requests without DRF.

Every open widget polls every few seconds, so plainly valid polls and
sends are most of the API's traffic. For them, DRF's request wrapping,
serializers and content negotiation cost more than the work itself. These
views check such a request with plain Python, fetch its rate-limit counts
and cached state in one round trip to the cache, and respond.

Anything else goes to the DRF view, which builds every error response.
That covers a body that is not plainly valid, a throttled or foreign
request, an unknown session, the honeypot, a preflight, the messenger being
off, and cache or database failures. The counts taken here travel with the
request (``CountedRequest``), so a handed-over request is counted once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.renderers import JSONRenderer

from ...conf import messenger_settings
from ...models import Conversation
from ...origins import origin_allowed
from ...selectors.widget import (
    WidgetLookup,
    lookup_from_found,
    messages_after,
    widget_request_keys,
)
from ...services.messages import send_visitor_message
from ...state import (
    CountedRequest,
    increment_and_read,
    is_cache_failure,
)
from ...utils import WidgetSession, session_from_value
from .base import STORAGE_FAILURES, WidgetAPIView
from .parsers import load_json
from .payloads import conversation_payload, message_payload, poll_interval
from .serializers import simple_poll_values, simple_send_values
from .throttling import FixedWindowThrottle, request_counters
from .views import PollView, SendView

MaybeResponse = HttpResponse | None

_renderer = JSONRenderer()


def _read_object(request: HttpRequest) -> dict[str, Any] | None:
    """Return the body as a JSON object, or None for anything the DRF view should judge."""
    declared = request.META.get("CONTENT_LENGTH") or ""
    if not declared.isdigit() or int(declared) > messenger_settings.MAX_REQUEST_BYTES:
        return None
    try:
        raw = request.body
    except RequestDataTooBig:
        return None
    if len(raw) > messenger_settings.MAX_REQUEST_BYTES:
        return None
    try:
        data = load_json(raw)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


class FastRequest:
    """One plainly valid widget request on its way through the fast path."""

    def __init__(
        self, request: HttpRequest, view: type[WidgetAPIView], widget_token: str, session_token: str
    ):
        self.request = request
        # The rate limits of the DRF view that would otherwise handle it.
        self.throttles = cast(
            "list[FixedWindowThrottle]", [throttle() for throttle in view.throttle_classes]
        )
        self.widget_token = widget_token
        self.session_token = session_token
        self.origin: str | None = request.META.get("HTTP_ORIGIN")
        self.keys: list[str] = []
        self.found: dict[str, Any] = {}
        self.lookup: WidgetLookup

    def count_and_read(self, data: dict[str, Any]) -> bool:
        """Count the request against both rate limits and fetch its state; False if throttled."""
        limited, counters = request_counters(self.throttles, self.request, data)
        # The same keys, in the same order, as the DRF view reads, so that a
        # handed-over request can reuse what was fetched here.
        keys = widget_request_keys(self.widget_token, self.session_token)

        counts, self.found = increment_and_read(counters, keys)
        self.request.messenger_counted = CountedRequest(  # type: ignore[attr-defined]
            counters=counters, counts=counts, keys=keys, found=self.found
        )
        self.keys = keys
        return all(count <= throttle.limit for throttle, count in zip(limited, counts, strict=True))

    def session(self) -> WidgetSession | None:
        """Return the request's session if its inbox and origin check out, else None."""
        self.lookup = lookup_from_found(
            self.widget_token, self.session_token, self.keys, self.found
        )
        inbox = self.lookup.inbox
        if inbox is None:
            return None
        if self.origin is not None and not origin_allowed(
            self.request, self.origin, inbox["allowed_sites"]
        ):
            return None
        session = session_from_value(
            self.session_token,
            self.lookup.session_value,
            inbox_id=inbox["id"],
            generation=inbox["generation"],
            widget_token=self.widget_token,
        )
        if session is None or session.decoy:
            return None
        return session

    def conversation_state(self, conversation_id: int) -> dict[str, Any] | None:
        """Return the cached state of the session's conversation if it is current, else None."""
        _version, state = self.lookup.conversation_state(conversation_id)
        return state

    def respond(self, payload: dict[str, Any], status: int = 200) -> HttpResponse:
        """Return the JSON response with the headers that the DRF views set too."""
        headers = {"Allow": "POST, OPTIONS", "Vary": "Origin", "Cache-Control": "no-store"}
        if self.origin:
            headers["Access-Control-Allow-Origin"] = self.origin
            headers["Access-Control-Expose-Headers"] = "Retry-After"
        content = _renderer.render(payload)
        # CommonMiddleware sets this on other responses, but it runs after
        # the fast path's middleware. Without it, servers close the
        # connection or send the body in chunks.
        headers["Content-Length"] = str(len(content))
        return HttpResponse(
            content, content_type="application/json", status=status, headers=headers
        )


def _fast_poll(request: HttpRequest) -> MaybeResponse:
    data = _read_object(request)
    values = simple_poll_values(data) if data is not None else None
    if data is None or values is None:
        return None
    fields = values.validated_data
    fast = FastRequest(request, PollView, fields["widget_token"], fields["widget_session_token"])
    if not fast.count_and_read(data):
        return None
    session = fast.session()
    if session is None:
        return None
    conversation_id = session.conversation_id
    state = fast.conversation_state(conversation_id)
    if state is None:
        return None

    after = fields["after"]
    messages: list[Any] = []
    if after < state["last_message_id"]:
        messages = list(messages_after(conversation_id, after, messenger_settings.POLL_PAGE_SIZE))
    return fast.respond(
        {
            "messages": [message_payload(message) for message in messages],
            "conversation": conversation_payload(conversation_id, state["status"]),
            "poll_interval_ms": poll_interval(),
        }
    )


def _fast_send(request: HttpRequest) -> MaybeResponse:
    data = _read_object(request)
    fields = simple_send_values(data) if data is not None else None
    if data is None or fields is None:
        return None
    fast = FastRequest(request, SendView, fields["widget_token"], fields["widget_session_token"])
    if not fast.count_and_read(data):
        return None
    session = fast.session()
    if session is None:
        return None

    try:
        message, created = send_visitor_message(
            session.conversation_id, fields["body"], fields["client_message_id"]
        )
    except Conversation.DoesNotExist:
        return None
    return fast.respond({"message": message_payload(message)}, 201 if created else 200)


def try_fast_response(
    request: HttpRequest, fast_response: Callable[[HttpRequest], MaybeResponse]
) -> MaybeResponse:
    """Return the fast path's response to a request, or None to let the full view respond.

    A request is tried once: the middleware and the URL's view both call
    this, and the second call for the same request returns None at once.
    """
    if getattr(request, "messenger_fast_tried", False):
        return None
    request.messenger_fast_tried = True  # type: ignore[attr-defined]
    if request.method != "POST" or not messenger_settings.ENABLED:
        return None
    try:
        return fast_response(request)
    except Exception as exc:
        # The full view meets the same failure and responds with its
        # documented 503.
        if not (is_cache_failure(exc) or isinstance(exc, STORAGE_FAILURES)):
            raise
        return None


def _with_fallback(
    fast_response: Callable[[HttpRequest], MaybeResponse], full_view: Callable[..., HttpResponse]
) -> Callable[[HttpRequest], HttpResponse]:
    @csrf_exempt
    def view(request: HttpRequest) -> HttpResponse:
        response = try_fast_response(request, fast_response)
        if response is not None:
            return response
        return full_view(request)

    # The middleware finds a routed view's fast path through this attribute.
    view.fast_response = fast_response  # type: ignore[attr-defined]
    return view


poll = _with_fallback(_fast_poll, PollView.as_view())
send = _with_fallback(_fast_send, SendView.as_view())
