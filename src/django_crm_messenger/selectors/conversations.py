from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from ..branches import branch_filter
from ..models import Conversation, Inbox, Message


def visible_conversations(user: Any) -> QuerySet[Conversation]:
    """Return the listed conversations of the branches ``user`` may see, newest activity first.

    Conversations without a visitor message are left out: they are widget
    loads that never became a chat.
    """
    return (
        Conversation.objects.filter(branch_filter(user), has_visitor_message=True)
        .select_related("contact", "inbox", "assignee")
        .order_by("-last_message_at", "-id")
    )


def get_visible_conversation(user: Any, conversation_id: Any) -> Conversation:
    """Return one conversation the user may see, or raise ``Http404`` (also for other branches)."""
    queryset = Conversation.objects.filter(branch_filter(user)).select_related(
        "contact", "inbox", "assignee", "routing_rule"
    )
    return get_object_or_404(queryset, pk=conversation_id)


def visible_inboxes(user: Any) -> QuerySet[Inbox]:
    return Inbox.objects.filter(branch_filter(user)).select_related("branch")


def conversation_messages(
    conversation_id: int, *, after: int = 0, limit: int | None = None
) -> QuerySet[Message]:
    """Return a conversation's messages with ``id > after``, oldest first."""
    queryset = Message.objects.filter(conversation_id=conversation_id, id__gt=after).order_by("id")
    if limit is not None:
        queryset = queryset[:limit]
    return queryset
