"""Bootstrap, send and poll: the public widget API (version 1)."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from ...conf import messenger_settings
from ...models import Conversation, Inbox
from ...selectors.conversations import conversation_messages
from ...services.visitors import VisitorDetails, start_conversation
from ...services.messages import send_visitor_message
from ...state import get_cache, read_conversation_state, store_conversation_state
from ...utils import WidgetSession, create_widget_session, get_widget_session
from . import throttling
from .base import WidgetAPIView, WidgetError
from .payloads import conversation_payload, message_payload, poll_interval, widget_payload
from .serializers import BootstrapSerializer, ContactSerializer, PollSerializer, SendSerializer

logger = logging.getLogger(__name__)

# The inbox's "last loaded" columns are written at most this often, so that
# busy sites do not turn every page view into an UPDATE.
LOAD_RECORD_INTERVAL = 300


class SessionMixin:
    def require_session(self, data: dict[str, Any], inbox: dict[str, Any]) -> WidgetSession:
        session = get_widget_session(
            data.get("widget_session_token") or "",
            inbox_id=inbox["id"],
            generation=inbox["generation"],
        )
        if session is None:
            logger.warning("Widget request for inbox %s rejected: invalid session", inbox["id"])
            raise WidgetError(
                status.HTTP_401_UNAUTHORIZED,
                _("The chat session has expired. Start the chat again."),
                "session_invalid",
            )
        return session


class BootstrapView(SessionMixin, WidgetAPIView):
    """Start a visitor's session, or resume it with a valid ``widget_session_token``."""

    serializer_class = BootstrapSerializer
    throttle_classes = [throttling.BootstrapIPThrottle, throttling.BootstrapInboxThrottle]

    def post(self, request: Request) -> Response:
        data = self.validated(request)
        inbox = self.load_inbox(request, data["widget_token"])
        requested_locale = data.get("locale") or ""

        if data.get("honeypot"):
            self.log_honeypot(request)
            return Response(self._decoy(inbox, requested_locale))

        self._record_load(request, inbox)

        session_token = data.get("widget_session_token") or ""
        session = None
        if session_token:
            session = get_widget_session(
                session_token, inbox_id=inbox["id"], generation=inbox["generation"]
            )
        if session is not None:
            conversation = Conversation.objects.filter(pk=session.conversation_id).first()
            if conversation is not None:
                messages = conversation_messages(conversation.pk)
                return Response(
                    self._payload(
                        inbox, session_token, conversation, list(messages), requested_locale
                    )
                )

        contact_data = ContactSerializer(data=data.get("contact") or {})
        contact_data.is_valid(raise_exception=True)
        contact = contact_data.check_field_modes(inbox["fields"])

        widget_inbox = Inbox.objects.get(pk=inbox["id"])
        conversation = start_conversation(
            widget_inbox,
            VisitorDetails(
                name=contact.get("name", ""),
                email=contact.get("email", ""),
                phone=contact.get("phone", ""),
                region=data.get("region") or "",
                page_url=data.get("page_url") or "",
                locale=requested_locale,
            ),
        )
        session_token = create_widget_session(
            inbox_id=inbox["id"],
            conversation_id=conversation.pk,
            contact_id=conversation.contact_id,
            generation=inbox["generation"],
        )
        logger.info(
            "Widget session started for inbox %s, conversation %s", inbox["id"], conversation.pk
        )
        return Response(self._payload(inbox, session_token, conversation, [], requested_locale))

    def _payload(self, inbox, session_token, conversation, messages, requested_locale):
        return {
            "widget_session_token": session_token,
            "expires_in": messenger_settings.SESSION_TTL,
            "conversation": conversation_payload(conversation.pk, conversation.status),
            "widget": widget_payload(inbox, requested_locale),
            "messages": [message_payload(message) for message in messages],
            "poll_interval_ms": poll_interval(),
        }

    def _decoy(self, inbox, requested_locale):
        return {
            "widget_session_token": secrets.token_urlsafe(32),
            "expires_in": messenger_settings.SESSION_TTL,
            "conversation": conversation_payload(0, "open"),
            "widget": widget_payload(inbox, requested_locale),
            "messages": [],
            "poll_interval_ms": poll_interval(),
        }

    def _record_load(self, request: Request, inbox: dict[str, Any]) -> None:
        if not get_cache().add(f"messenger:loaded:{inbox['id']}", 1, LOAD_RECORD_INTERVAL):
            return
        origin = request.headers.get("Origin") or request.headers.get("Referer") or ""
        Inbox.objects.filter(pk=inbox["id"]).update(
            last_loaded_at=timezone.now(), last_loaded_origin=origin[:300]
        )


class SendView(SessionMixin, WidgetAPIView):
    """Store a visitor's message; a repeated ``client_message_id`` is answered with 200."""

    serializer_class = SendSerializer
    throttle_classes = [throttling.WidgetIPThrottle, throttling.WidgetInboxThrottle]

    def post(self, request: Request) -> Response:
        data = self.validated(request)
        inbox = self.load_inbox(request, data["widget_token"])
        session = self.require_session(data, inbox)

        if data.get("honeypot"):
            self.log_honeypot(request)
            return Response(
                {
                    "message": {
                        "id": 0,
                        "sender": "visitor",
                        "body": data["body"],
                        "created_at": None,
                        "author_name": None,
                        "client_message_id": data.get("client_message_id"),
                    }
                },
                status=status.HTTP_201_CREATED,
            )

        try:
            message, created = send_visitor_message(
                session.conversation_id, data["body"], data.get("client_message_id")
            )
        except Conversation.DoesNotExist:
            raise WidgetError(
                status.HTTP_401_UNAUTHORIZED,
                _("The chat session has expired. Start the chat again."),
                "session_invalid",
            ) from None
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response({"message": message_payload(message)}, status=code)


class PollView(SessionMixin, WidgetAPIView):
    """Return the session's new messages; an idle poll is answered from the cache alone."""

    serializer_class = PollSerializer
    throttle_classes = [throttling.WidgetIPThrottle, throttling.WidgetInboxThrottle]

    def post(self, request: Request) -> Response:
        data = self.validated(request)
        inbox = self.load_inbox(request, data["widget_token"])
        session = self.require_session(data, inbox)
        after = data["after"]
        conversation_id = session.conversation_id

        version, state = read_conversation_state(conversation_id)
        if state is not None and after >= state["last_message_id"]:
            return self._answer(conversation_id, state["status"], [])

        conversation = (
            Conversation.objects.filter(pk=conversation_id)
            .values("status", "last_message_id")
            .first()
        )
        if conversation is None:
            raise WidgetError(
                status.HTTP_401_UNAUTHORIZED,
                _("The chat session has expired. Start the chat again."),
                "session_invalid",
            )
        store_conversation_state(
            conversation_id, version, conversation["last_message_id"], conversation["status"]
        )
        messages: list[Any] = []
        if after < conversation["last_message_id"]:
            messages = list(
                conversation_messages(
                    conversation_id, after=after, limit=messenger_settings.POLL_PAGE_SIZE
                )
            )
        return self._answer(conversation_id, conversation["status"], messages)

    def _answer(self, conversation_id: int, status_value: str, messages: list[Any]) -> Response:
        return Response(
            {
                "messages": [message_payload(message) for message in messages],
                "conversation": conversation_payload(conversation_id, status_value),
                "poll_interval_ms": poll_interval(),
            }
        )


