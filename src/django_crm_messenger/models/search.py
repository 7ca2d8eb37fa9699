from django.db import models
from django.utils.translation import gettext_lazy as _

# Longer words are stored cut to this length, and so are the words of a query,
# so a long word is still found by its first WORD_LENGTH characters.
WORD_LENGTH = 32
# ``branch_term`` starts with "#<branch key>#", and the key has at most 10 characters.
SCOPE_PREFIX_LENGTH = 12


class ConversationTerm(models.Model):
    """One normalized word of a conversation's contact details or messages, for search.

    The panel finds conversations by word prefix (``term LIKE 'abc%'``).
    ``branch_term`` is the same word behind its conversation's branch key
    ("#3#анна"), and a search by a user of a few branches reads that column.
    Its statistics are per branch, so PostgreSQL can tell a word that is
    common elsewhere but missing in the user's branch (read the few index
    rows) from one that is common there too (check the newest conversations
    one by one). Each column has its own statistics, so the per-branch
    values do not crowd the common plain words out of them.

    Each column has an index for the prefix lookup. Its operator class,
    ``varchar_pattern_ops``, lets PostgreSQL use it for LIKE prefixes under
    any database collation, and other databases ignore the operator class.
    The unique constraint and the (conversation, branch_term) index show
    whether one conversation has a matching word without reading the table.
    services/search.py writes the rows.
    """

    conversation = models.ForeignKey(
        "messenger.Conversation",
        on_delete=models.CASCADE,
        related_name="search_terms",
        verbose_name=_("conversation"),
        # The unique constraint below starts with the conversation, so it
        # serves the foreign key and the per-conversation lookup.
        db_index=False,
        # Terms are derived data written with every message. Without a
        # database constraint, PostgreSQL skips a foreign-key check per term
        # row at each commit; Django's CASCADE still deletes the terms with
        # their conversation, and messenger_reindex_search rebuilds them.
        db_constraint=False,
    )
    term = models.CharField(_("term"), max_length=WORD_LENGTH)
    branch_term = models.CharField(
        _("term in branch"), max_length=SCOPE_PREFIX_LENGTH + WORD_LENGTH
    )

    class Meta:
        verbose_name = _("search term")
        verbose_name_plural = _("search terms")
        indexes = [
            # Only LIKE prefixes are looked up, so the default operator class,
            # which db_index=True would add as well, would never be used.
            models.Index(
                fields=["term"], name="messenger_term_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(
                fields=["branch_term"],
                name="messenger_term_branch_idx",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["conversation", "branch_term"], name="messenger_term_conv_branch_idx"
            ),
        ]
        constraints = [
            # The search checks conversations one by one, newest first, for a
            # term that starts with a query word. With the pattern operator
            # class, that prefix is part of the index lookup. With the default
            # one, PostgreSQL reads every term of the conversation and filters.
            models.UniqueConstraint(
                fields=["conversation", "term"],
                name="messenger_term_conversation_unique",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            )
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}: {self.term}"
