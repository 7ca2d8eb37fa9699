"""Config, bootstrap, send and poll: the public widget API (version 1)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from ...conf import messenger_settings
from ...models import Conversation, Inbox
from ...selectors.widget import (
    WidgetLookup,
    conversation_history,
    messages_after,
    session_conversation,
)
from ...services.messages import send_visitor_message
from ...services.visitors import VisitorDetails, start_conversation
from ...state import get_cache, store_conversation_state
from ...utils import WidgetSession, create_widget_session, session_from_value
from . import throttling
from .base import WidgetAPIView, WidgetError, session_expired_error
from .payloads import (
    conversation_payload,
    decoy_message_payload,
    message_payload,
    poll_interval,
    widget_payload,
)
from .serializers import (
    BootstrapSerializer,
    ConfigSerializer,
    PollSerializer,
    SendSerializer,
    check_contact_fields,
    simple_poll_values,
)

logger = logging.getLogger(__name__)

# The inbox's "last loaded" columns are written at most this often, so that
# busy sites do not turn every page view into an UPDATE.
LOAD_RECORD_INTERVAL = 300


def record_load(request: Request, inbox: dict[str, Any]) -> None:
    """Store when and from which site the inbox's widget was last loaded, for the health page."""
    if not get_cache().add(f"messenger:loaded:{inbox['id']}", 1, LOAD_RECORD_INTERVAL):
        return
    origin = request.headers.get("Origin") or ""
    if not origin:
        referer = urlsplit(request.headers.get("Referer") or "")
        if referer.scheme in ("http", "https") and referer.netloc:
            origin = f"{referer.scheme}://{referer.netloc}"
    Inbox.objects.filter(pk=inbox["id"]).update(
        last_loaded_at=timezone.now(), last_loaded_origin=origin[:300]
    )


class ConfigView(WidgetAPIView):
    """Return an inbox's widget settings without starting a session; stores nothing.

    The widget calls it on every page view without a session, so it reads
    only the cache once the inbox's state is cached. The only write is the
    "last loaded" record, at most once per inbox every LOAD_RECORD_INTERVAL
    seconds. A filled honeypot changes nothing, because the answer stores
    nothing anyway.
    """

    serializer_class = ConfigSerializer
    throttle_classes = [throttling.ConfigIPThrottle]

    def post(self, request: Request) -> Response:
        data, serializer = self.parse(request)
        self.lookup(request, data, serializer)
        inbox = self.inbox

        if serializer.errors:
            raise exceptions.ValidationError(serializer.errors)
        record_load(request, inbox)
        return Response(
            {
                "widget": widget_payload(inbox, serializer.validated_data.get("locale") or ""),
                "poll_interval_ms": poll_interval(),
            }
        )


class SessionViewMixin:
    """Validation of the fields and the session, shared by the three endpoints."""

    inbox: dict[str, Any]

    def validated_fields(self, serializer: Any) -> dict[str, Any]:
        if serializer.errors:
            raise exceptions.ValidationError(serializer.errors)
        values: dict[str, Any] = serializer.validated_data
        return values

    def find_session(self, lookup: WidgetLookup, values: dict[str, Any]) -> WidgetSession | None:
        token = values.get("widget_session_token") or ""
        if not token:
            return None
        return session_from_value(
            token,
            lookup.session_value,
            inbox_id=self.inbox["id"],
            generation=self.inbox["generation"],
            widget_token=values["widget_token"],
        )

    def require_session(self, lookup: WidgetLookup, values: dict[str, Any]) -> WidgetSession:
        """Return the request's session or raise 401, so that the client bootstraps again."""
        session = self.find_session(lookup, values)
        if session is None:
            logger.warning(
                "Widget request for inbox %s rejected: missing, unknown or expired session",
                self.inbox["id"],
            )
            raise session_expired_error()
        return session


class BootstrapView(SessionViewMixin, WidgetAPIView):
    """Start a visitor's session, or resume it with a valid ``widget_session_token``."""

    serializer_class = BootstrapSerializer
    throttle_classes = [throttling.BootstrapIPThrottle, throttling.BootstrapInboxThrottle]

    def post(self, request: Request) -> Response:
        data, serializer = self.parse(request)
        lookup = self.lookup(request, data, serializer)
        inbox = self.inbox
        locale = data.get("locale")
        requested_locale = locale if isinstance(locale, str) else ""

        if self.honeypot_filled(request, serializer):
            return Response(self._decoy(inbox, requested_locale))

        values = self.validated_fields(serializer)
        requested_locale = values.get("locale") or ""
        record_load(request, inbox)

        session = self.find_session(lookup, values)
        if session is not None and session.decoy:
            return Response(self._decoy(inbox, requested_locale, values["widget_session_token"]))
        if session is not None:
            resumed = session_conversation(session.conversation_id)
            if resumed is not None:
                history = conversation_history(
                    resumed["id"], messenger_settings.BOOTSTRAP_HISTORY_LIMIT
                )
                return Response(
                    self._payload(
                        inbox,
                        values["widget_session_token"],
                        resumed["id"],
                        resumed["status"],
                        history,
                        requested_locale,
                    )
                )

        contact = check_contact_fields(values.get("contact"), inbox["fields"])
        widget_inbox = Inbox.objects.filter(pk=inbox["id"], is_active=True).first()
        if widget_inbox is None:
            raise WidgetError(
                status.HTTP_404_NOT_FOUND,
                _("This chat widget does not exist or is switched off."),
                "inbox_not_found",
            )
        conversation = start_conversation(
            widget_inbox,
            VisitorDetails(
                name=contact["name"],
                email=contact["email"],
                phone=contact["phone"],
                region=values.get("region") or "",
                page_url=values.get("page_url") or "",
                locale=requested_locale,
            ),
        )
        session_token = create_widget_session(
            inbox_id=inbox["id"],
            conversation_id=conversation.pk,
            contact_id=conversation.contact_id,
            generation=inbox["generation"],
            widget_token=values["widget_token"],
        )
        logger.info(
            "Widget session started for inbox %s, conversation %s", inbox["id"], conversation.pk
        )
        return Response(
            self._payload(
                inbox, session_token, conversation.pk, conversation.status, [], requested_locale
            )
        )

    def _payload(
        self,
        inbox: dict[str, Any],
        session_token: str,
        conversation_id: int,
        conversation_status: str,
        messages: list[Any],
        requested_locale: str,
    ) -> dict[str, Any]:
        return {
            "widget_session_token": session_token,
            "expires_in": messenger_settings.SESSION_TTL,
            "conversation": conversation_payload(conversation_id, conversation_status),
            "widget": widget_payload(inbox, requested_locale),
            "messages": [message_payload(message) for message in messages],
            "poll_interval_ms": poll_interval(),
        }

    def _decoy(
        self, inbox: dict[str, Any], requested_locale: str, session_token: str = ""
    ) -> dict[str, Any]:
        # A decoy session lets the bot's next send and poll succeed too, so
        # no response shows that the honeypot caught it.
        if not session_token:
            session_token = create_widget_session(
                inbox_id=inbox["id"],
                conversation_id=0,
                contact_id=0,
                generation=inbox["generation"],
                decoy=True,
            )
        return self._payload(inbox, session_token, 0, "open", [], requested_locale)


class SendView(SessionViewMixin, WidgetAPIView):
    """Store a visitor's message; a repeated ``client_message_id`` returns the stored one (200)."""

    serializer_class = SendSerializer
    throttle_classes = [throttling.WidgetIPThrottle, throttling.WidgetInboxThrottle]

    def post(self, request: Request) -> Response:
        data, serializer = self.parse(request)
        lookup = self.lookup(request, data, serializer)

        if self.honeypot_filled(request, serializer):
            return self._decoy(data)

        values = self.validated_fields(serializer)
        session = self.require_session(lookup, values)
        if session.decoy:
            return self._decoy(data)

        client_message_id = values.get("client_message_id")
        try:
            message, created = send_visitor_message(
                session.conversation_id, values["body"], client_message_id
            )
        except Conversation.DoesNotExist:
            # The conversation was removed (an empty one, by messenger_cleanup).
            raise session_expired_error() from None

        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response({"message": message_payload(message)}, status=code)

    def _decoy(self, data: dict[str, Any]) -> Response:
        body = data.get("body")
        if not isinstance(body, str):
            body = ""
        client_message_id = data.get("client_message_id")
        if not isinstance(client_message_id, str):
            client_message_id = None
        return Response(
            {"message": decoy_message_payload(body, client_message_id)},
            status=status.HTTP_201_CREATED,
        )


class PollView(SessionViewMixin, WidgetAPIView):
    """Return the session's new messages; an idle poll reads only the cache."""

    serializer_class = PollSerializer
    throttle_classes = [throttling.WidgetIPThrottle, throttling.WidgetInboxThrottle]

    def simple_values(self, data: dict[str, Any]) -> Any:
        return simple_poll_values(data)

    def post(self, request: Request) -> Response:
        data, serializer = self.parse(request)
        lookup = self.lookup(request, data, serializer)

        if self.honeypot_filled(request, serializer):
            return self._answer(0, "open", [])

        values = self.validated_fields(serializer)
        session = self.require_session(lookup, values)
        if session.decoy:
            return self._answer(0, "open", [])

        after = values["after"]
        conversation_id = session.conversation_id
        page_size = messenger_settings.POLL_PAGE_SIZE

        version, state = lookup.conversation_state(conversation_id)
        if state is not None:
            if after >= state["last_message_id"]:
                return self._answer(conversation_id, state["status"], [])
            messages = list(messages_after(conversation_id, after, page_size))
            return self._answer(conversation_id, state["status"], messages)

        conversation = session_conversation(conversation_id)
        if conversation is None:
            raise session_expired_error()
        store_conversation_state(
            conversation_id, version, conversation["last_message_id"], conversation["status"]
        )
        messages = []
        if after < conversation["last_message_id"]:
            messages = list(messages_after(conversation_id, after, page_size))
        return self._answer(conversation_id, conversation["status"], messages)

    def _answer(self, conversation_id: int, status_value: str, messages: list[Any]) -> Response:
        return Response(
            {
                "messages": [message_payload(message) for message in messages],
                "conversation": conversation_payload(conversation_id, status_value),
                "poll_interval_ms": poll_interval(),
            }
        )
