"""Search terms of conversations: text normalization and the writes that keep terms current.

The operator panel finds a conversation when every word of the query is the
start of one of its terms (selectors.conversations.filter_conversations).
A conversation's terms are the normalized words of its contact's name,
e-mail and phone and of every message body, each stored as itself and
behind the conversation's branch key (``term_rows``). They are written:

- for a new conversation, from its contact, by ``index_new_conversation``;
- for each stored message, in the transaction that stores it: by the
  statement of ``postgres_messages`` on PostgreSQL, by ``index_message`` elsewhere;
- for every conversation of a contact whose details change, by ``index_contact``;
- for any conversations, from scratch, by ``reindex_conversations`` (the
  ``messenger_reindex_search`` command and the migration that added the table use it).

Deleting a message in the Django admin rebuilds its conversation's terms.
A message deleted in any other way leaves its terms until the next rebuild,
so its conversation may still match a word that is no longer in it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from django.db import DEFAULT_DB_ALIAS, models, transaction

from ..models import Contact, Conversation, ConversationTerm, Message
from ..models.search import WORD_LENGTH

WORD_RE = re.compile(r"\w+")
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A query token with "@" after a local part is searched as one e-mail term,
# so "anna@exa" finds "anna@example.org".
EMAIL_QUERY_RE = re.compile(r"[\w.+-]+@[\w.-]*")
# Digits written the way phone numbers are: "+7 (999) 123-45-67", "8-800-555-35-35".
PHONE_RE = re.compile(r"(?<!\w)\+?\(?[0-9][0-9 ()\-]*[0-9](?!\w)")
PHONE_QUERY_RE = re.compile(r"[0-9 +()\-]+")
PHONE_MIN_DIGITS = 4
# The maximum length of an international number (ITU-T E.164).
PHONE_MAX_DIGITS = 15
# Each query term adds an EXISTS to the list query, so only the longest ones
# (the most selective) are kept.
MAX_QUERY_TERMS = 8
REINDEX_BATCH_SIZE = 500
SCOPE_KEY_LENGTH = 10
MAX_SCOPED_BRANCHES = 8


def normalize(text: str) -> str:
    """Return ``text`` composed (NFC) and casefolded, with «ё» as «е»."""
    return unicodedata.normalize("NFC", text).casefold().replace("ё", "е")


def split_words(normalized: str) -> list[str]:
    """Return the words of normalized text, each cut to WORD_LENGTH characters.

    A word is a run of unicode word characters. Each word is then brought to
    its compatibility form (NFKC), so "ﬁle" is "file" and "１２" is "12".
    That happens per word because NFKC turns some symbols between words into
    letters: "№12" would become one word "no12".
    """
    found: list[str] = []
    for word in WORD_RE.findall(normalized):
        compatible = normalize(unicodedata.normalize("NFKC", word))
        found.extend(part[:WORD_LENGTH] for part in WORD_RE.findall(compatible))
    return found


def _phone_terms(run: str) -> set[str]:
    """Return the digit terms of one phone-like run of digits and separators.

    A run of up to PHONE_MAX_DIGITS digits gives every digit suffix of at
    least PHONE_MIN_DIGITS digits, so "+7 999 123-45-67" is found by
    "1234567" as well as by "79991234567". A longer run is more likely
    several numbers in a row, so it gives the digits from the start of
    each group instead, PHONE_MAX_DIGITS of them at most.
    """
    digits = re.sub(r"[^0-9]", "", run)
    if len(digits) < PHONE_MIN_DIGITS:
        return set()
    if len(digits) <= PHONE_MAX_DIGITS:
        return {digits[start:] for start in range(len(digits) - PHONE_MIN_DIGITS + 1)}

    terms = set()
    position = 0
    for group in re.findall(r"[0-9]+", run):
        term = digits[position : position + PHONE_MAX_DIGITS]
        if len(term) >= PHONE_MIN_DIGITS:
            terms.add(term)
        position += len(group)
    return terms


def terms_from_text(text: str) -> set[str]:
    """Return the search terms of a message body or a contact field.

    Every word (a run of unicode word characters) is a term, cut to
    WORD_LENGTH characters. An e-mail address is also one whole term, and
    phone-like digits give the terms of ``_phone_terms``.
    """
    normalized = normalize(text)
    terms = set(split_words(normalized))
    terms.update(address[:WORD_LENGTH] for address in EMAIL_RE.findall(normalized))
    for run in PHONE_RE.findall(normalized):
        terms.update(_phone_terms(run))
    return terms


def contact_terms(name: str, email: str, phone: str) -> set[str]:
    """Return the search terms of a contact's details."""
    # Each field on its own, so digits at the end of a name never join the phone number.
    terms = terms_from_text(name) | terms_from_text(email) | terms_from_text(phone)
    if email:
        # The field contains one address, even one EMAIL_RE would not match (user@localhost).
        terms.add(normalize(email)[:WORD_LENGTH])
    return terms


def _query_token_terms(token: str) -> list[str]:
    # Punctuation around an address pasted from a sentence: "(anna@example.org),".
    token = token.strip(".,;:!?()[]<>\"'")
    if "@" in token and EMAIL_QUERY_RE.fullmatch(token):
        return [token[:WORD_LENGTH]]
    return split_words(token)


def query_terms(query: str) -> list[str]:
    """Return the prefixes that a conversation's terms must all start with to match ``query``.

    A query of only digits, spaces and ``+ ( ) -`` with at least
    PHONE_MIN_DIGITS digits is one phone number: its digits. Otherwise a
    token with "@" is kept whole as an e-mail, and the other tokens are split
    into words. A prefix of another query term is dropped because the longer
    term implies it. At most MAX_QUERY_TERMS terms are kept, the longest first.
    """
    normalized = normalize(query)
    if PHONE_QUERY_RE.fullmatch(normalized):
        digits = re.sub(r"[^0-9]", "", normalized)
        if len(digits) >= PHONE_MIN_DIGITS:
            return [digits[:PHONE_MAX_DIGITS]]

    candidates: list[str] = []
    for token in normalized.split():
        candidates.extend(_query_token_terms(token))
    unique = list(dict.fromkeys(candidates))
    needed = [
        term
        for term in unique
        if not any(other != term and other.startswith(term) for other in unique)
    ]
    # NOTE: beyond MAX_QUERY_TERMS the shortest terms are ignored, so such a
    # query can match a conversation that lacks one of its words.
    needed.sort(key=len, reverse=True)
    return needed[:MAX_QUERY_TERMS]


def scope_prefix(branch_id: Any) -> str:
    """Return the prefix of the terms that belong to conversations of one branch: "#3#".

    The key is the branch's primary key, or a hash of it when that is longer
    than 10 characters (a UUID). Two branches may then share a key, which
    only makes the search read more rows, because the list query checks
    the branch itself. A query term never starts with "#", so it never
    matches a prefixed term by accident.
    """
    key = str(branch_id)
    if len(key) > SCOPE_KEY_LENGTH or "#" in key:
        key = hashlib.sha256(key.encode()).hexdigest()[:SCOPE_KEY_LENGTH]
    return f"#{key}#"


def term_rows(words: Iterable[str], branch_id: Any) -> list[tuple[str, str]]:
    """Return the (term, branch_term) pairs to store for a conversation's words."""
    prefix = scope_prefix(branch_id)
    return [(word, prefix + word) for word in set(words)]


def _insert_terms(conversation: Conversation, words: set[str]) -> None:
    if not words:
        return
    ConversationTerm.objects.bulk_create(
        [
            ConversationTerm(conversation_id=conversation.pk, term=term, branch_term=branch_term)
            for term, branch_term in term_rows(words, conversation.branch_id)
        ],
        ignore_conflicts=True,
    )


def index_message(conversation: Conversation, body: str) -> None:
    """Add the terms of a new message body to its conversation, in one query (none if no terms).

    Call it in the transaction that stores the message, so that a committed
    message is always searchable. Only ``conversation.pk`` and
    ``conversation.branch_id`` are read.
    """
    _insert_terms(conversation, terms_from_text(body))


def index_new_conversation(conversation: Conversation, contact: Contact) -> None:
    """Add the terms of ``contact``'s details to a new conversation, in one query (none if blank).

    Call it in the transaction that creates the conversation.
    """
    _insert_terms(conversation, contact_terms(contact.name, contact.email, contact.phone))


def term_lookups(term: str, branch_ids: Sequence[Any] | None) -> list[dict[str, str]]:
    """Return the lookups, any of which a stored row must match for one query term.

    ``branch_ids`` are the branches the user sees (``None``: all). For a few
    branches the lookups read ``branch_term``, one per branch. With more than
    MAX_SCOPED_BRANCHES branches, or none, they read ``term``, because each
    branch adds a LIKE that PostgreSQL tests on every row it reads. The list
    query limits the branches either way.
    """
    if not branch_ids or len(branch_ids) > MAX_SCOPED_BRANCHES:
        return [{"term__startswith": term}]
    return [{"branch_term__startswith": scope_prefix(branch_id) + term} for branch_id in branch_ids]


class SearchModels(NamedTuple):
    """The models a rebuild reads and writes; a data migration passes its historical ones."""

    conversation: type[models.Model]
    message: type[models.Model]
    term: type[models.Model]


CURRENT_MODELS = SearchModels(Conversation, Message, ConversationTerm)


def rebuild_terms(
    conversation_ids: Sequence[int],
    search_models: SearchModels = CURRENT_MODELS,
    using: str = DEFAULT_DB_ALIAS,
) -> int:
    """Replace the terms of the given conversations with ones built from their current data.

    Run it inside a transaction. The conversation rows are locked first, as
    the message store does, so no message can be stored in them until the
    transaction ends and no new message misses its terms. Return the number
    of terms written. Ids of conversations that do not exist are skipped.
    """
    conversations: Any = search_models.conversation._default_manager.db_manager(using)
    messages: Any = search_models.message._default_manager.db_manager(using)
    term_manager: Any = search_models.term._default_manager.db_manager(using)

    details = (
        conversations.filter(pk__in=conversation_ids)
        .select_for_update(of=("self",))
        .order_by("pk")
        .values_list("pk", "branch_id", "contact__name", "contact__email", "contact__phone")
    )
    branches = {}
    words = {}
    for pk, branch_id, name, email, phone in details:
        branches[pk] = branch_id
        words[pk] = contact_terms(name, email, phone)
    if not words:
        return 0

    bodies = messages.filter(conversation_id__in=list(words)).values_list("conversation_id", "body")
    for conversation_id, body in bodies.iterator(chunk_size=2000):
        words[conversation_id] |= terms_from_text(body)

    term_manager.filter(conversation_id__in=list(words)).delete()
    rows = [
        search_models.term(conversation_id=conversation_id, term=term, branch_term=branch_term)
        for conversation_id, conversation_words in words.items()
        for term, branch_term in term_rows(conversation_words, branches[conversation_id])
    ]
    term_manager.bulk_create(rows, batch_size=5000)
    return len(rows)


def reindex_conversations(
    conversation_ids: Iterable[int], *, batch_size: int = REINDEX_BATCH_SIZE
) -> int:
    """Rebuild the terms of the given conversations, ``batch_size`` per transaction.

    Inside an outer transaction (an admin save) all batches commit with it.
    Return the number of terms written.
    """
    ids = sorted(set(conversation_ids))
    written = 0
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            written += rebuild_terms(ids[start : start + batch_size])
    return written


def index_contact(contact: Contact) -> int:
    """Rebuild the terms of every conversation of ``contact`` after its details changed.

    Old details stop matching and new ones match. Call it in the transaction
    that saves the contact. Return the number of terms written.
    """
    ids = list(Conversation.objects.filter(contact=contact).values_list("pk", flat=True))
    return reindex_conversations(ids)
