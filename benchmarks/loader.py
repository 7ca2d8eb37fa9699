"""Fill the benchmark database with conversations and messages, fast, through COPY.

Rows go straight into the tables with PostgreSQL's COPY, with the
denormalized columns of each conversation (has_visitor_message,
last_message_id, last_visitor_message_id, last_message_at,
last_message_preview) computed from the messages written with it. The
search terms of each conversation are computed by services/search.py from
its contact and messages, as the services would store them. Columns
this loader does not know about get their model field's default, so a new
field with a default does not break it.

Run inside a configured Django process (bench.py does), or on its own:

    DJANGO_SETTINGS_MODULE=bench_project.settings python benchmarks/loader.py 1000 10000
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from functools import lru_cache
from typing import Any

from django.db import connection, models
from django.utils import timezone

FIRST_NAMES = [
    "Анна",
    "Иван",
    "Мария",
    "Пётр",
    "Ольга",
    "Сергей",
    "Елена",
    "Алексей",
    "Jane",
    "John",
]
LAST_NAMES = ["Смирнова", "Иванов", "Кузнецова", "Попов", "Соколова", "Лебедев", "Brown", "Smith"]
VISITOR_LINES = [
    "Здравствуйте! Есть ли доставка в Казань?",
    "Сколько стоит доставка заказа №{i}?",
    "Можно оплатить картой при получении?",
    "Когда привезут мой заказ {i}?",
    "Hello, do you ship to Kazan?",
    "Подскажите, есть ли этот товар в наличии?",
    "Хочу вернуть товар, как это сделать?",
    "Спасибо, всё понятно!",
]
OPERATOR_LINES = [
    "Здравствуйте! Да, доставляем, обычно за 2–3 дня.",
    "Проверю и отвечу через минуту.",
    "Заказ №{i} передан в службу доставки.",
    "Да, оплата картой курьеру возможна.",
    "Hello! Yes, delivery takes two or three days.",
    "Оформите возврат в личном кабинете, курьер заберёт товар.",
]
PREVIEW_LENGTH = 200


@dataclass
class Branch:
    id: int
    inbox_id: int
    operator_id: int
    operator_name: str


def _field_default(field: models.Field, now: datetime) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    if field.has_default():
        value = field.get_default()
    elif field.null:
        return None
    else:
        value = field.get_default()
    return field.get_db_prep_save(value, connection)


def copy_rows(
    cursor: Any, model: type[models.Model], columns: list[str], rows: Iterable[tuple]
) -> int:
    """COPY ``rows`` (values for the fields named in ``columns``) into ``model``'s table."""
    now = timezone.now()
    named = [model._meta.get_field(name) for name in columns]
    named_columns = {field.column for field in named}
    others = [f for f in model._meta.concrete_fields if f.column not in named_columns]
    defaults = tuple(_field_default(field, now) for field in others)
    column_sql = ", ".join(connection.ops.quote_name(f.column) for f in [*named, *others])
    count = 0
    table = connection.ops.quote_name(model._meta.db_table)
    with cursor.copy(f"COPY {table} ({column_sql}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row + defaults)
            count += 1
    return count


def _next_id(cursor: Any, table: str) -> int:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
    return cursor.fetchone()[0]


@contextmanager
def _indexes_built_after(cursor: Any, table: str) -> Iterator[None]:
    """Drop the secondary indexes and unique constraints of ``table``, and rebuild them on exit.

    Building an index once over all rows is several times faster than
    updating it row by row during the COPY. The primary key stays.
    """
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'u'",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
        [table, table],
    )
    indexes = cursor.fetchall()
    quoted = connection.ops.quote_name(table)
    for name, _definition in constraints:
        cursor.execute(f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}")
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    for _name, definition in indexes:
        cursor.execute(definition)
    for name, definition in constraints:
        cursor.execute(
            f"ALTER TABLE {quoted} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
        )


def _reset_sequence(cursor: Any, table: str) -> None:
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
        f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
    )


@lru_cache(maxsize=4096)
def _body_terms(body: str) -> frozenset[str]:
    from django_crm_messenger.services.search import terms_from_text

    # Most bodies repeat a fixed line, so the cache saves most of the work.
    return frozenset(terms_from_text(body))


def _term_rows(
    contacts: list[tuple], conversation_rows: list[tuple], message_rows: list[tuple], first_id: int
) -> Iterator[tuple]:
    """Yield (id, conversation, term, branch_term) rows for COPY, one conversation at a time.

    ``contacts`` and ``conversation_rows`` are parallel lists, and
    ``message_rows`` are grouped by conversation in the same order, as
    ``load`` builds them.
    """
    from django_crm_messenger.services.search import contact_terms, term_rows

    term_id = first_id
    messages = iter(message_rows)
    message = next(messages, None)
    for contact, conversation in zip(contacts, conversation_rows, strict=True):
        conversation_id = conversation[0]
        _id, branch_id, name, email, phone, *_ = contact
        words = contact_terms(name, email, phone)
        while message is not None and message[1] == conversation_id:
            words |= _body_terms(message[3])
            message = next(messages, None)
        for term, branch_term in sorted(term_rows(words, branch_id)):
            yield (term_id, conversation_id, term, branch_term)
            term_id += 1


def load(
    branches: list[Branch],
    conversations: int,
    messages: int,
    *,
    end: datetime | None = None,
    span: timedelta = timedelta(days=90),
) -> dict[str, float]:
    """Add ``conversations`` conversations holding ``messages`` messages in all.

    Conversations take turns among ``branches``, and their last activity is
    spread evenly over ``span`` before ``end``. A third are open, half are
    assigned to the branch's operator, and each has 8 to 12 messages starting
    with a visitor's, so every one is listed in the panel.
    """
    from django_crm_messenger.models import Contact, Conversation, ConversationTerm, Message

    started = time.monotonic()
    end = end or timezone.now()
    per_conversation = max(1, messages // conversations)
    step = span / conversations

    raw = connection.connection  # the psycopg connection under Django's
    with raw.cursor() as cursor:
        contact_id = _next_id(cursor, Contact._meta.db_table)
        conversation_id = _next_id(cursor, Conversation._meta.db_table)
        message_id = _next_id(cursor, Message._meta.db_table)
        term_id = _next_id(cursor, ConversationTerm._meta.db_table)

    contacts: list[tuple] = []
    conversation_rows: list[tuple] = []
    message_rows: list[tuple] = []
    remaining = messages
    start_time = end - span
    for n in range(conversations):
        branch = branches[n % len(branches)]
        number = conversation_id + n
        cid = contact_id + n
        opened = start_time + step * n
        name = f"{FIRST_NAMES[number % len(FIRST_NAMES)]} {LAST_NAMES[number % len(LAST_NAMES)]}"
        contacts.append((cid, branch.id, name, f"client{number}@example.org", "", opened, opened))

        # Spread the messages so the total is exact: the last conversations
        # take what is left over.
        left = conversations - n
        count = (
            min(remaining - (left - 1), per_conversation + (n % 5) - 2) if left > 1 else remaining
        )
        count = max(1, count)
        remaining -= count

        last_visitor = 0
        created = opened
        body = ""
        for k in range(count):
            visitor = k % 2 == 0
            lines = VISITOR_LINES if visitor else OPERATOR_LINES
            body = lines[(number + k) % len(lines)].format(i=number)
            created = opened + timedelta(seconds=40 * k)
            if visitor:
                last_visitor = message_id
                message_rows.append((message_id, number, "visitor", body, None, "", None, created))
            else:
                message_rows.append(
                    (
                        message_id,
                        number,
                        "operator",
                        body,
                        branch.operator_id,
                        branch.operator_name,
                        None,
                        created,
                    )
                )
            message_id += 1
        conversation_rows.append(
            (
                number,
                branch.inbox_id,
                branch.id,
                cid,
                "open" if n % 3 == 0 else "resolved",
                branch.operator_id if n % 2 == 0 else None,
                f"https://shop.example.org/catalog/{number}",
                "ru",
                True,
                message_id - 1,
                last_visitor,
                created,
                body[:PREVIEW_LENGTH],
                opened,
                created,
            )
        )

    with raw.cursor() as cursor:
        copy_rows(
            cursor,
            Contact,
            ["id", "branch", "name", "email", "phone", "created_at", "last_seen_at"],
            contacts,
        )
        copy_rows(
            cursor,
            Conversation,
            [
                "id",
                "inbox",
                "branch",
                "contact",
                "status",
                "assignee",
                "page_url",
                "locale",
                "has_visitor_message",
                "last_message_id",
                "last_visitor_message_id",
                "last_message_at",
                "last_message_preview",
                "created_at",
                "updated_at",
            ],
            conversation_rows,
        )
        copy_rows(
            cursor,
            Message,
            [
                "id",
                "conversation",
                "sender",
                "body",
                "author",
                "author_name",
                "client_message_id",
                "created_at",
            ],
            message_rows,
        )
        # The term table gets about 45 rows a conversation and five indexes.
        with _indexes_built_after(cursor, ConversationTerm._meta.db_table):
            terms = copy_rows(
                cursor,
                ConversationTerm,
                ["id", "conversation", "term", "branch_term"],
                _term_rows(contacts, conversation_rows, message_rows, term_id),
            )
        for model in (Contact, Conversation, Message, ConversationTerm):
            _reset_sequence(cursor, model._meta.db_table)
    loaded = time.monotonic() - started

    with raw.cursor() as cursor:
        for model in (Contact, Conversation, Message, ConversationTerm):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    return {
        "conversations": len(conversation_rows),
        "messages": len(message_rows),
        "terms": terms,
        "load_seconds": loaded,
        "total_seconds": time.monotonic() - started,
    }


if __name__ == "__main__":
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from django_crm_messenger.models import Inbox

    found = []
    for inbox in Inbox.objects.order_by("id"):
        operator = get_user_model().objects.filter(branch_id=inbox.branch_id).first()
        if operator is not None:
            found.append(Branch(inbox.branch_id, inbox.pk, operator.pk, operator.get_username()))
    if not found:
        sys.exit("Create branches, inboxes and operators first (bench.py does).")
    print(load(found, int(sys.argv[1]), int(sys.argv[2]), end=datetime.now(dt_timezone.utc)))
