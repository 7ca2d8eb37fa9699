"""Operator actions on a conversation: status, assignment, read markers, change versions."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import signals
from ..models import Conversation, ConversationStatus, ReadMarker
from ..selectors.conversations import (
    ALL_BRANCHES_CHANGES_KEY,
    CHANGES_TTL,
    branch_changes_key,
    user_can_see_branch,
)
from ..state import bump_conversation, get_cache, is_cache_failure

logger = logging.getLogger(__name__)


def bump_branch_changes(branch_id: int) -> None:
    """Give the branch (and the all-branches view) a new change version.

    Open panels compare the version on their next poll and reload what
    changed. Call it after the change is committed. A cache failure is
    logged and swallowed, because the change is already in the database.
    Panels that were open may then miss it until they are reloaded.
    """
    version = uuid.uuid4().hex
    try:
        get_cache().set_many(
            {branch_changes_key(branch_id): version, ALL_BRANCHES_CHANGES_KEY: version},
            CHANGES_TTL,
        )
    except Exception as exc:
        if not is_cache_failure(exc):
            raise
        logger.error(
            "Could not update the panel change version of branch %s: %s: %s",
            branch_id,
            type(exc).__name__,
            exc,
        )


def _announce_change(conversation: Conversation) -> None:
    conversation_id, branch_id = conversation.pk, conversation.branch_id

    def bump() -> None:
        bump_conversation(conversation_id)
        bump_branch_changes(branch_id)

    transaction.on_commit(bump)


def announce_message(conversation_id: int, branch_id: int) -> None:
    """Tell polling widgets and open panels about a new message; call after the commit.

    One round trip to the cache renews both the conversation's version and
    the branch's change version. A new message is the most frequent change,
    and this runs on every send.
    """
    bump_conversation(
        conversation_id, (branch_changes_key(branch_id), ALL_BRANCHES_CHANGES_KEY), CHANGES_TTL
    )


@receiver(signals.conversation_created, dispatch_uid="messenger_panel_conversation_created")
def bump_on_new_conversation(sender: Any, conversation: Conversation, **kwargs: Any) -> None:
    # The signal is sent after the commit, so the bump happens at once.
    bump_branch_changes(conversation.branch_id)


def _set_status(conversation: Conversation, status: str, user: Any) -> Conversation:
    Conversation.objects.filter(pk=conversation.pk).update(status=status, updated_at=timezone.now())
    conversation.status = status
    logger.info(
        "Conversation %s set to %s by user %s", conversation.pk, status, getattr(user, "pk", None)
    )
    _announce_change(conversation)
    return conversation


def resolve_conversation(conversation: Conversation, user: Any = None) -> Conversation:
    """Mark the conversation resolved; a new visitor message reopens it."""
    return _set_status(conversation, ConversationStatus.RESOLVED, user)


def reopen_conversation(conversation: Conversation, user: Any = None) -> Conversation:
    """Mark the conversation open again."""
    return _set_status(conversation, ConversationStatus.OPEN, user)


def assign_conversation(
    conversation: Conversation, assignee: Any, user: Any = None
) -> Conversation:
    """Assign to an operator, or to nobody with ``None``.

    Raise ``ValidationError`` if the assignee is inactive or may not see the
    conversation's branch, so that no conversation is handed to someone who
    cannot open it.
    """
    if assignee is not None and not user_can_see_branch(assignee, conversation.branch_id):
        logger.warning(
            "Rejected assigning conversation %s to user %s of another branch (by user %s)",
            conversation.pk,
            assignee.pk,
            getattr(user, "pk", None),
        )
        raise ValidationError(
            _("This user cannot be assigned: they do not work in the conversation's branch."),
            code="assignee_branch",
        )

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
    _announce_change(conversation)
    return conversation


def mark_read(conversation: Conversation, user: Any, up_to_message_id: int | None = None) -> int:
    """Record that ``user`` has read the conversation up to a message (default: the last).

    One upsert query. An id beyond the last message is clamped to it, and an
    earlier id moves the marker back, which marks the later messages unread.
    Return the stored message id.
    """
    last_id = conversation.last_message_id
    if up_to_message_id is not None:
        last_id = max(0, min(up_to_message_id, last_id))
    ReadMarker.objects.bulk_create(
        [ReadMarker(user=user, conversation=conversation, last_read_message_id=last_id)],
        update_conflicts=True,
        unique_fields=["user", "conversation"],
        update_fields=["last_read_message_id", "updated_at"],
    )
    return last_id
