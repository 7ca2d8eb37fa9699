"""Store a message in one PostgreSQL statement.

Through the ORM, a send takes six statements: BEGIN, the conversation's row
lock, the message INSERT, the search-term INSERT, the conversation UPDATE
and COMMIT. Each is a round trip to the server, and building each costs the
worker more CPU than PostgreSQL spends running it. A send is the most
frequent write, so on PostgreSQL the same steps run as one statement, with
the writes as data-modifying common table expressions:

- ``locked`` takes the row lock. The INSERT reads its row from ``locked``,
  so the message id is drawn only once the lock is held, and ids follow the
  order in which sends were accepted, as on the ORM path.
- ``stored`` inserts the message and ``terms`` its search terms; the
  branch key of each term is computed as ``search.scope_prefix`` computes it.
- ``updated`` writes the conversation's last-message columns.

Outside a transaction the statement is a transaction of its own. Table and
column names come from the models, so a renamed field fails the tests.
Other databases take the ORM path in services.messages.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.signals import post_save, pre_save

from ..models import Conversation, ConversationStatus, ConversationTerm, Message, SenderType
from ..models.search import WORD_LENGTH
from .search import SCOPE_KEY_LENGTH


def can_store(connection: BaseDatabaseWrapper) -> bool:
    return connection.vendor == "postgresql"


def _quote(name: str) -> str:
    # PostgreSQL's identifier quoting; model names never contain a double quote.
    return f'"{name}"'


def _column(model: type[Any], name: str) -> str:
    field: Any = model._meta.get_field(name)
    return _quote(field.column)


def _message_fields() -> list[Any]:
    return [field for field in Message._meta.concrete_fields if not field.primary_key]


def _attname(name: str) -> str:
    field: Any = Conversation._meta.get_field(name)
    return str(field.attname)


@cache
def _locked_attnames(locked_fields: tuple[str, ...]) -> list[str]:
    """Return the attribute names of ``locked_fields`` in model order, the order from_db() needs."""
    attnames = {_attname(name) for name in locked_fields}
    return [
        field.attname for field in Conversation._meta.concrete_fields if field.attname in attnames
    ]


def _scope_prefix_sql(branch: str) -> str:
    """Return the SQL form of search.scope_prefix for the column expression ``branch``.

    The key is the branch's primary key as text, or the start of its
    SHA-256 when that is longer than SCOPE_KEY_LENGTH or contains "#".
    """
    key = f"{branch}::text"
    return (
        f"'#' || CASE WHEN length({key}) <= {SCOPE_KEY_LENGTH} AND strpos({key}, '#') = 0 "
        f"THEN {key} "
        f"ELSE left(encode(sha256(convert_to({key}, 'UTF8')), 'hex'), {SCOPE_KEY_LENGTH}) "
        "END || '#'"
    )


@cache
def _statement(locked_fields: tuple[str, ...], visitor: bool) -> str:
    """Return the statement for a visitor's or another sender's message, built from the models."""
    conversations = _quote(Conversation._meta.db_table)
    conversation_id = _column(Conversation, "id")
    message_id = _column(Message, "id")
    message_columns = ", ".join(_quote(field.column) for field in _message_fields())
    message_values = ", ".join(f"%({field.attname})s" for field in _message_fields())
    locked_columns = [_column(Conversation, name) for name in _locked_attnames(locked_fields)]

    term_columns = ", ".join(
        _column(ConversationTerm, name) for name in ("conversation", "term", "branch_term")
    )
    prefix = _scope_prefix_sql(f"locked.{_column(Conversation, 'branch')}")

    updates = [
        f"{_column(Conversation, 'last_message_id')} = stored.{message_id}",
        f"{_column(Conversation, 'last_message_at')} = %(created_at)s",
        f"{_column(Conversation, 'last_message_preview')} = %(preview)s",
        f"{_column(Conversation, 'updated_at')} = %(now)s",
    ]
    if visitor:
        # A visitor writing into a resolved conversation reopens it.
        updates += [
            f"{_column(Conversation, 'has_visitor_message')} = TRUE",
            f"{_column(Conversation, 'last_visitor_message_id')} = stored.{message_id}",
            f"{_column(Conversation, 'status')} = %(open)s",
        ]

    # Only names from the models go into the text, and every value is a parameter.
    return f"""
        WITH locked AS (
            SELECT {", ".join(locked_columns)} FROM {conversations}
            WHERE {conversation_id} = %(conversation)s FOR UPDATE
        ), stored AS (
            INSERT INTO {_quote(Message._meta.db_table)} ({message_columns})
            SELECT {message_values} FROM locked
            RETURNING {message_id}
        ), terms AS (
            INSERT INTO {_quote(ConversationTerm._meta.db_table)} ({term_columns})
            SELECT locked.{conversation_id}, words.word, {prefix} || words.word
            FROM stored, locked, unnest(%(words)s::varchar({WORD_LENGTH})[]) AS words(word)
            ON CONFLICT DO NOTHING
        ), updated AS (
            UPDATE {conversations} SET {", ".join(updates)}
            FROM stored WHERE {conversations}.{conversation_id} = %(conversation)s
        )
        SELECT stored.{message_id}, {", ".join(f"locked.{column}" for column in locked_columns)}
        FROM stored, locked
    """  # noqa: S608


def store_message(
    connection: BaseDatabaseWrapper,
    message: Message,
    words: set[str],
    locked_fields: tuple[str, ...],
    *,
    preview: str,
    now: datetime,
) -> tuple[Message, Conversation]:
    """Insert the unsaved ``message``, its search ``words`` and the conversation's new columns.

    ``preview`` and ``now`` are written as the last message's preview and the
    conversation's ``updated_at``. Return the saved message and its
    conversation with only ``locked_fields`` loaded. Raise
    ``Conversation.DoesNotExist`` when the conversation is gone. A repeated
    client message id raises IntegrityError.
    """
    visitor = message.sender == SenderType.VISITOR
    # Receivers of the model signals see what Model.save() would show them.
    pre_save.send(Message, instance=message, raw=False, using=connection.alias, update_fields=None)
    params: dict[str, Any] = {
        field.attname: field.get_db_prep_save(field.pre_save(message, add=True), connection)
        for field in _message_fields()
    }
    params.update(
        conversation=message.conversation_id,
        words=sorted(words),
        preview=preview,
        now=now,
        open=ConversationStatus.OPEN,
    )
    with connection.cursor() as cursor:
        cursor.execute(_statement(locked_fields, visitor), params)
        row = cursor.fetchone()
    if row is None:
        raise Conversation.DoesNotExist(f"Conversation {message.conversation_id} does not exist.")

    message.pk = row[0]
    message._state.adding = False
    message._state.db = connection.alias
    post_save.send(
        Message,
        instance=message,
        created=True,
        raw=False,
        using=connection.alias,
        update_fields=None,
    )
    conversation = Conversation.from_db(connection.alias, _locked_attnames(locked_fields), row[1:])
    return message, conversation
