from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ...branches import branch_filter
from ...models import Conversation, Inbox
from ...selectors.conversations import (
    conversation_messages,
    visible_conversations,
    visible_inboxes,
    with_unread_counts,
)
from ...services.conversations import (
    assign_conversation,
    mark_read,
    reopen_conversation,
    resolve_conversation,
)
from ...services.messages import send_operator_message
from ...utils import DISABLED_DETAIL, MessengerDisabled
from .filters import ConversationFilterBackend
from .pagination import ConversationCursorPagination
from .permissions import BranchScoped, MessengerEnabled
from .schema import extend_schema, view_schema
from .serializers import (
    AssignSerializer,
    ConversationDetailSerializer,
    ConversationSerializer,
    InboxSerializer,
    MessageListQuerySerializer,
    MessageSerializer,
    ReadResultSerializer,
    ReadSerializer,
    ReplySerializer,
)

logger = logging.getLogger(__name__)


class OperatorAPIMixin(APIView):
    """Shared by the operator viewsets: the feature flag, branch scoping and schema inspector.

    Authentication is left to the host project's DRF defaults.
    """

    permission_classes = [MessengerEnabled, BranchScoped]
    schema = view_schema()

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, MessengerDisabled):
            return Response({"detail": DISABLED_DETAIL}, status=status.HTTP_404_NOT_FOUND)
        return super().handle_exception(exc)


class ConversationViewSet(
    OperatorAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Conversation],
):
    """Conversations of the caller's branches; another branch's id is a 404.

    The list takes the panel's filters and keyset pages; the actions are the
    panel's: messages, reply, assign, resolve, reopen and read.
    """

    filter_backends = [ConversationFilterBackend]
    pagination_class = ConversationCursorPagination

    def get_queryset(self) -> Any:
        user = self.request.user
        if self.action == "list":
            queryset = visible_conversations(user)
        else:
            queryset = Conversation.objects.filter(branch_filter(user)).select_related(
                "contact", "inbox", "assignee", "routing_rule"
            )
        return with_unread_counts(queryset, user)

    def filter_queryset(self, queryset: Any) -> Any:
        # Filters choose list rows; they must not hide an object from its own URL.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def get_serializer_class(self) -> Any:
        if self.action == "list":
            return ConversationSerializer
        return ConversationDetailSerializer

    def _detail_response(self, conversation: Conversation) -> Response:
        return Response(ConversationDetailSerializer(conversation).data)

    @extend_schema(parameters=[MessageListQuerySerializer], responses=MessageSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def messages(self, request: Request, pk: Any = None) -> Response:
        """Messages oldest first; ``?after=<id>`` continues after a message, ``limit`` up to 200."""
        conversation = self.get_object()
        query = MessageListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = conversation_messages(
            conversation.pk,
            after=query.validated_data["after"],
            limit=query.validated_data["limit"],
        )
        return Response(MessageSerializer(rows, many=True).data)

    @extend_schema(request=ReplySerializer, responses={201: MessageSerializer})
    @action(detail=True, methods=["post"])
    def reply(self, request: Request, pk: Any = None) -> Response:
        """Send an operator reply; a repeated ``client_message_id`` returns the stored one."""
        conversation = self.get_object()
        serializer = ReplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = send_operator_message(
            conversation,
            request.user,
            serializer.validated_data["body"],
            client_message_id=serializer.validated_data.get("client_message_id") or None,
        )
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AssignSerializer, responses=ConversationDetailSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: Any = None) -> Response:
        """Assign to a user who works in the conversation's branch, or unassign with ``null``."""
        conversation = self.get_object()
        serializer = AssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            assign_conversation(conversation, serializer.validated_data["assignee"], request.user)
        except DjangoValidationError as exc:
            raise ValidationError({"assignee": exc.messages}) from None
        return self._detail_response(conversation)

    @extend_schema(request=None, responses=ConversationDetailSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: Any = None) -> Response:
        """Mark the conversation resolved."""
        return self._detail_response(resolve_conversation(self.get_object(), request.user))

    @extend_schema(request=None, responses=ConversationDetailSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: Any = None) -> Response:
        """Open a resolved conversation again."""
        return self._detail_response(reopen_conversation(self.get_object(), request.user))

    @extend_schema(request=ReadSerializer, responses=ReadResultSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: Any = None) -> Response:
        """Mark the conversation read up to ``message_id`` (default: its last message)."""
        conversation = self.get_object()
        serializer = ReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        last_read = mark_read(
            conversation, request.user, serializer.validated_data.get("message_id")
        )
        return Response({"last_read_message_id": last_read})


class InboxViewSet(OperatorAPIMixin, viewsets.ReadOnlyModelViewSet[Inbox]):
    """The inboxes of the caller's branches, for the list's inbox filter."""

    serializer_class = InboxSerializer
    pagination_class = None

    def get_queryset(self) -> Any:
        return visible_inboxes(self.request.user).order_by("name", "id")
