"""Read queries. Everything an operator can reach is scoped to their branches here."""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_datetime

from ..branches import branch_filter, get_visible_branches, user_sees_all_branches
from ..conf import messenger_settings
from ..models import (
    Conversation,
    ConversationStatus,
    ConversationTerm,
    Inbox,
    Message,
    ReadMarker,
    SenderType,
)
from ..services.search import query_terms, term_lookups
from ..state import get_cache, is_cache_failure

logger = logging.getLogger(__name__)

ASSIGNEE_CHOICES = ("all", "mine", "unassigned")
STATUS_CHOICES = (ConversationStatus.OPEN, ConversationStatus.RESOLVED)
MAX_SEARCH_LENGTH = 100

# How long the list of a user's visible branches is cached for the update
# token; the conversations themselves are always scoped by a fresh query.
VISIBLE_BRANCHES_TTL = 60
CHANGES_TTL = 24 * 3600
ALL_BRANCHES_CHANGES_KEY = "messenger:panel:changes:all"


def is_id(value: str) -> bool:
    """Return True if ``value`` is a database id in ASCII digits (``str.isdigit`` accepts "²")."""
    return value.isascii() and value.isdigit() and len(value) < 19


class InvalidCursor(ValueError):
    """Raised for a list cursor that was not made by ``encode_cursor``."""


class InvalidFilter(ValueError):
    """Raised for a list filter value outside its choices; ``field`` names the parameter."""

    def __init__(self, field: str, value: str):
        super().__init__(f"{field}={value!r}")
        self.field = field
        self.value = value


@dataclass(frozen=True)
class ConversationFilters:
    """The conversation list's tab and filters, as chosen in the panel or the API."""

    status: str = ConversationStatus.OPEN
    inbox_id: int | None = None
    assignee: str = "all"
    search: str = ""

    @classmethod
    def from_params(cls, params: Any) -> ConversationFilters:
        """Build filters from query parameters; raise ``InvalidFilter`` for a bad value."""
        status = params.get("status") or ConversationStatus.OPEN
        if status not in STATUS_CHOICES:
            raise InvalidFilter("status", status)

        assignee = params.get("assignee") or "all"
        if assignee not in ASSIGNEE_CHOICES:
            raise InvalidFilter("assignee", assignee)

        inbox = params.get("inbox") or ""
        if inbox and not is_id(inbox):
            raise InvalidFilter("inbox", inbox)

        # PostgreSQL rejects NUL characters in a query parameter.
        search = " ".join((params.get("q") or "").replace("\x00", "").split())
        search = search[:MAX_SEARCH_LENGTH]
        return cls(
            status=status, inbox_id=int(inbox) if inbox else None, assignee=assignee, search=search
        )

    def as_params(self) -> dict[str, str]:
        params = {"status": self.status, "assignee": self.assignee}
        if self.inbox_id is not None:
            params["inbox"] = str(self.inbox_id)
        if self.search:
            params["q"] = self.search
        return params


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


def with_unread_counts(queryset: QuerySet[Conversation], user: Any) -> QuerySet[Conversation]:
    """Annotate ``last_read_id`` and ``unread_count`` (visitor messages after it) for ``user``.

    Both are subqueries of the list query, so a page costs one query whatever
    its length. The count only runs where the last visitor message is unread.
    """
    last_read = ReadMarker.objects.filter(conversation=OuterRef("pk"), user=user.pk).values(
        "last_read_message_id"
    )[:1]
    unread = (
        Message.objects.filter(
            conversation=OuterRef("pk"), sender=SenderType.VISITOR, id__gt=OuterRef("last_read_id")
        )
        .order_by()
        .values("conversation")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return queryset.annotate(last_read_id=Coalesce(Subquery(last_read), Value(0))).annotate(
        unread_count=Case(
            When(
                last_visitor_message_id__gt=F("last_read_id"),
                then=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)),
            ),
            default=Value(0),
            output_field=IntegerField(),
        )
    )


def filter_conversations(
    queryset: QuerySet[Conversation], user: Any, filters: ConversationFilters
) -> QuerySet[Conversation]:
    """Apply the status tab, inbox, assignee and search filters to a visible queryset.

    The search matches word prefixes: "анн" finds "Анна", but "нна" finds nothing.
    """
    queryset = queryset.filter(status=filters.status)
    if filters.inbox_id is not None:
        queryset = queryset.filter(inbox_id=filters.inbox_id)
    if filters.assignee == "mine":
        queryset = queryset.filter(assignee=user.pk)
    elif filters.assignee == "unassigned":
        queryset = queryset.filter(assignee__isnull=True)
    terms = query_terms(filters.search)
    if terms:
        queryset = _filter_by_terms(queryset, user, terms)
    return queryset


def _search_branch_ids(user: Any) -> list[Any] | None:
    """Return the branches whose scoped terms a search reads, or None for the plain terms.

    The ids come from the cache that the change token also reads, so they
    may be up to VISIBLE_BRANCHES_TTL seconds old. A stale list can only
    hide results, because the list query checks the branch itself. Without
    the cache the plain terms are used.
    """
    try:
        return visible_branch_ids(user)
    except Exception as exc:
        if not is_cache_failure(exc):
            raise
        logger.warning(
            "Searching without branch-scoped terms for user %s, the cache failed: %s: %s",
            user.pk,
            type(exc).__name__,
            exc,
        )
        return None


def _filter_by_terms(
    queryset: QuerySet[Conversation], user: Any, terms: list[str]
) -> QuerySet[Conversation]:
    """Keep the conversations that have a term starting with each query term.

    Each term is an EXISTS in the list query. For a term that is rare in the
    user's branches, PostgreSQL reads its rows from the prefix index and
    joins their conversations. For a common one, it walks the list in order
    and checks each conversation in the (conversation, term) index until the
    page is full. The ``branch_term`` column gives it per-branch statistics
    to tell the two apart (see ConversationTerm).
    """
    branch_ids = _search_branch_ids(user)
    for term in terms:
        match = Q()
        for lookup in term_lookups(term, branch_ids):
            match |= Q(**lookup)
        matching = ConversationTerm.objects.filter(match, conversation=OuterRef("pk"))
        queryset = queryset.filter(Exists(matching))
    return queryset


def encode_cursor(conversation: Conversation) -> str:
    """Return the opaque cursor that continues a list after ``conversation``."""
    # Only listed conversations get a cursor, and each of them has a message.
    assert conversation.last_message_at is not None
    raw = f"{conversation.last_message_at.isoformat()}|{conversation.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """Return the (last activity, id) position in a cursor; raise ``InvalidCursor`` if bad."""
    if len(cursor) > 200:
        raise InvalidCursor(cursor)
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, pk = raw.partition("|")
        position = parse_datetime(stamp)
        conversation_id = int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidCursor(cursor) from exc
    if position is None or position.tzinfo is None or conversation_id < 1:
        raise InvalidCursor(cursor)
    return position, conversation_id


def after_cursor(queryset: QuerySet[Conversation], cursor: str) -> QuerySet[Conversation]:
    """Keep the rows that come after ``cursor`` in (-last_message_at, -id) order.

    The ``lte`` bound lets the database start the index scan at the cursor,
    so a deep page costs the same as the first one.
    """
    position, conversation_id = decode_cursor(cursor)
    return queryset.filter(last_message_at__lte=position).filter(
        Q(last_message_at__lt=position) | Q(id__lt=conversation_id)
    )


def conversation_page(
    user: Any, filters: ConversationFilters, *, cursor: str = "", page_size: int | None = None
) -> tuple[list[Conversation], str]:
    """Return one page of the user's filtered conversation list and the next page's cursor.

    The next cursor is empty on the last page. One query whatever the page
    size: the row after the page is fetched to tell whether more follow.
    """
    size = page_size or messenger_settings.PANEL_PAGE_SIZE
    queryset = filter_conversations(visible_conversations(user), user, filters)
    queryset = with_unread_counts(queryset, user)
    if cursor:
        queryset = after_cursor(queryset, cursor)
    rows = list(queryset[: size + 1])
    next_cursor = encode_cursor(rows[size - 1]) if len(rows) > size else ""
    return rows[:size], next_cursor


def get_visible_conversation(user: Any, conversation_id: Any) -> Conversation:
    """Return one conversation the user may see, or raise ``Http404`` (also for other branches)."""
    queryset = Conversation.objects.filter(branch_filter(user)).select_related(
        "contact", "inbox", "assignee", "routing_rule"
    )
    return get_object_or_404(queryset, pk=conversation_id)


def visible_inboxes(user: Any) -> QuerySet[Inbox]:
    """Return the inboxes of the branches ``user`` may see, by name."""
    return Inbox.objects.filter(branch_filter(user)).select_related("branch")


def conversation_messages(
    conversation_id: int, *, after: int = 0, limit: int | None = None
) -> QuerySet[Message]:
    """Return a conversation's messages with ``id > after``, oldest first."""
    queryset = Message.objects.filter(conversation_id=conversation_id, id__gt=after).order_by("id")
    if limit is not None:
        queryset = queryset[:limit]
    return queryset


def branch_members(branch_id: int) -> QuerySet[AbstractBaseUser]:
    """Return the active users whose branch attribute names ``branch_id``, by username.

    The attribute is MESSENGER_USER_BRANCH_ATTRIBUTE; a project whose users
    do not carry it as a model field gets no colleagues to pick from.
    """
    user_model = get_user_model()
    attribute = messenger_settings.USER_BRANCH_ATTRIBUTE
    field_names = {field.name for field in user_model._meta.get_fields()}
    if attribute not in field_names:
        return user_model._default_manager.none()
    return user_model._default_manager.filter(**{attribute: branch_id}, is_active=True).order_by(
        user_model.USERNAME_FIELD
    )


def user_can_see_branch(user: Any, branch_id: int) -> bool:
    """Return True if the visibility hook lets ``user`` see ``branch_id``."""
    if not (user.is_authenticated and user.is_active):
        return False
    visible = get_visible_branches(user)
    return visible is None or visible.filter(pk=branch_id).exists()


# Change tokens ------------------------------------------------------------


def branch_changes_key(branch_id: int) -> str:
    return f"messenger:panel:changes:branch:{branch_id}"


def _visible_branches_key(user: Any) -> str:
    return f"messenger:panel:user:{user.pk}:branches"


def visible_branch_ids(user: Any) -> list[int] | None:
    """Return the ids of the branches ``user`` may see (``None`` for all), cached briefly."""
    cache = get_cache()
    key = _visible_branches_key(user)
    cached = cache.get(key)
    if cached is not None:
        return None if cached == "all" else list(cached)
    if user_sees_all_branches(user):
        ids = None
    else:
        visible = get_visible_branches(user)
        ids = [] if visible is None else sorted(visible.values_list("pk", flat=True))
    cache.set(key, "all" if ids is None else ids, VISIBLE_BRANCHES_TTL)
    return ids


def changes_token(user: Any) -> str:
    """Return a token that changes whenever a conversation in the user's branches changes.

    It is built from per-branch versions in the cache, so an idle poll makes
    no query once the user's branch list is cached. A missing version gets a
    new random value, which reads as a change and costs one refresh.
    """
    branch_ids = visible_branch_ids(user)
    keys = (
        [ALL_BRANCHES_CHANGES_KEY]
        if branch_ids is None
        else [branch_changes_key(branch_id) for branch_id in branch_ids]
    )
    if not keys:
        return "none"
    cache = get_cache()
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            cache.add(key, uuid.uuid4().hex, CHANGES_TTL)
            found[key] = cache.get(key)
    joined = "|".join(str(found[key]) for key in keys)
    return hashlib.sha256(joined.encode()).hexdigest()[:20]
