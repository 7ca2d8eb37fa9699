from __future__ import annotations

import logging
from contextlib import nullcontext
from datetime import datetime
from typing import Any

from django.db import IntegrityError, router, transaction
from django.utils import timezone

from .. import signals
from ..models import Conversation, ConversationStatus, Message, SenderType
from ..state import bump_conversation
from . import postgres_messages
from .conversations import announce_message
from .search import index_message, terms_from_text

logger = logging.getLogger(__name__)

PREVIEW_LENGTH = 200
LOCKED_FIELDS = ("id", "branch_id", "inbox_id", "contact_id", "assignee_id", "status")


def _store_message(
    conversation_id: int,
    *,
    sender: str,
    body: str,
    author: Any = None,
    author_name: str = "",
    client_message_id: str | None = None,
) -> tuple[Message, Conversation | None, bool]:
    """Insert a message under a lock on its conversation; return (message, conversation, created).

    The row lock serializes writers to one conversation, so ids follow the
    order in which sends were accepted. On PostgreSQL one statement does all
    the writes (services.postgres_messages). Elsewhere the ORM does them in
    a transaction.

    A repeated ``client_message_id`` breaks the unique constraint on insert.
    The transaction then rolls back and the first copy is returned, with
    None for the conversation. Relying on the constraint saves a query on
    every send, at the cost of a rollback on the rare repeat.
    """
    message = Message(
        conversation_id=conversation_id,
        sender=sender,
        body=body,
        author=author,
        author_name=author_name,
        client_message_id=client_message_id or None,
    )
    using = router.db_for_write(Message)
    connection = transaction.get_connection(using)
    one_statement = postgres_messages.can_store(connection)
    try:
        # One statement outside a transaction is a transaction of its own.
        # Inside one, the savepoint of atomic() limits a rollback to it.
        with (
            transaction.atomic(using=using)
            if connection.in_atomic_block or not one_statement
            else nullcontext()
        ):
            if one_statement:
                now = timezone.now()
                message, conversation = postgres_messages.store_message(
                    connection,
                    message,
                    terms_from_text(body),
                    LOCKED_FIELDS,
                    preview=body[:PREVIEW_LENGTH],
                    now=now,
                )
                for field, value in _last_message_columns(message, now).items():
                    setattr(conversation, field, value)
            else:
                conversation = _store_with_orm(message)
            branch_id = conversation.branch_id
            transaction.on_commit(lambda: announce_message(conversation_id, branch_id), using=using)
    except IntegrityError:
        stored = None
        if client_message_id:
            stored = Message.objects.filter(
                conversation_id=conversation_id, client_message_id=client_message_id
            ).first()
        if stored is None:
            raise
        return stored, None, False
    return message, conversation, True


def _store_with_orm(message: Message) -> Conversation:
    """Store ``message`` through the ORM, in the caller's transaction; return its conversation."""
    # The lock reads only the columns used here and most often by signal
    # receivers; any other field loads when a receiver reads it.
    conversation = (
        Conversation.objects.select_for_update()
        .only(*LOCKED_FIELDS)
        .get(pk=message.conversation_id)
    )
    message.save(force_insert=True)
    index_message(conversation, message.body)

    columns = _last_message_columns(message, timezone.now())
    Conversation.objects.filter(pk=conversation.pk).update(**columns)
    for field, value in columns.items():
        setattr(conversation, field, value)
    return conversation


def _last_message_columns(message: Message, now: datetime) -> dict[str, Any]:
    """Return the conversation columns, set by a new message, that the panel and polls read.

    The statement in services.postgres_messages writes the same columns.
    """
    columns: dict[str, Any] = {
        "last_message_id": message.pk,
        "last_message_at": message.created_at,
        "last_message_preview": message.body[:PREVIEW_LENGTH],
        "updated_at": now,
    }
    if message.sender == SenderType.VISITOR:
        columns["has_visitor_message"] = True
        columns["last_visitor_message_id"] = message.pk
        # A visitor writing into a resolved conversation reopens it.
        columns["status"] = ConversationStatus.OPEN
    return columns


def send_visitor_message(
    conversation_id: int, body: str, client_message_id: str | None = None
) -> tuple[Message, bool]:
    """Store a visitor's message; a repeated ``client_message_id`` returns the stored one."""
    message, conversation, created = _store_message(
        conversation_id, sender=SenderType.VISITOR, body=body, client_message_id=client_message_id
    )
    if not created:
        # A retry may follow a send whose post-commit cache update failed,
        # so the poll state is renewed here as well.
        bump_conversation(conversation_id)
        logger.info(
            "Repeated send of message %s in conversation %s returned the stored message",
            message.pk,
            conversation_id,
        )
        return message, False

    logger.info("Visitor message %s stored in conversation %s", message.pk, conversation_id)
    signals.send_after_commit(
        signals.visitor_message_received,
        sender=Message,
        message=message,
        conversation=conversation,
    )
    return message, True


def operator_display_name(user: Any) -> str:
    full_name = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return (full_name or user.get_username())[:150]


def send_operator_message(
    conversation: Conversation, user: Any, body: str, client_message_id: str | None = None
) -> Message:
    """Store an operator's reply; the visitor's widget picks it up on its next poll."""
    message, stored, created = _store_message(
        conversation.pk,
        sender=SenderType.OPERATOR,
        body=body,
        author=user,
        author_name=operator_display_name(user),
        client_message_id=client_message_id,
    )
    if created:
        logger.info(
            "Operator %s replied in conversation %s (message %s)",
            user.pk,
            conversation.pk,
            message.pk,
        )
        signals.send_after_commit(
            signals.operator_message_sent,
            sender=Message,
            message=message,
            conversation=stored,
            user=user,
        )
    return message
