from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..models import Conversation, ConversationStatus, ReadMarker
from ..state import bump_conversation

logger = logging.getLogger(__name__)


def _set_status(conversation: Conversation, status: str) -> Conversation:
    Conversation.objects.filter(pk=conversation.pk).update(status=status, updated_at=timezone.now())
    conversation.status = status
    transaction.on_commit(lambda: bump_conversation(conversation.pk))
    return conversation


def resolve_conversation(conversation: Conversation, user: Any = None) -> Conversation:
    logger.info("Conversation %s resolved by user %s", conversation.pk, getattr(user, "pk", None))
    return _set_status(conversation, ConversationStatus.RESOLVED)


def reopen_conversation(conversation: Conversation, user: Any = None) -> Conversation:
    logger.info("Conversation %s reopened by user %s", conversation.pk, getattr(user, "pk", None))
    return _set_status(conversation, ConversationStatus.OPEN)


def assign_conversation(conversation: Conversation, assignee: Any, user: Any = None) -> Conversation:
    """Assign to an operator (or to nobody with ``None``); the caller checks the branch."""
    Conversation.objects.filter(pk=conversation.pk).update(
        assignee=assignee, updated_at=timezone.now()
    )
    conversation.assignee = assignee
    logger.info(
        "Conversation %s assigned to user %s by user %s",
        conversation.pk,
        getattr(assignee, "pk", None),
        getattr(user, "pk", None),
    )
    return conversation


def mark_read(conversation: Conversation, user: Any, up_to_message_id: int | None = None) -> None:
    """Record that ``user`` has read the conversation up to a message (default: the last)."""
    last_id = conversation.last_message_id if up_to_message_id is None else up_to_message_id
    ReadMarker.objects.update_or_create(
        user=user, conversation=conversation, defaults={"last_read_message_id": last_id}
    )
