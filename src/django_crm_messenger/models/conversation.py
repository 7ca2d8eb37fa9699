from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .immutable import ImmutableFieldsModel

# Lists in the operator panel only ever show conversations with a visitor
# message, so their indexes skip the empty ones that bots and page views make.
LISTED = Q(has_visitor_message=True)


class ConversationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class Conversation(ImmutableFieldsModel):
    """A chat between one visitor's widget session and the operators of a branch.

    ``branch`` is always copied from ``inbox`` on save, and both stay fixed
    after creation, so branch scoping of a conversation can never change.
    """

    immutable_fields = ("inbox", "branch")

    inbox = models.ForeignKey(
        "messenger.Inbox",
        on_delete=models.PROTECT,
        related_name="conversations",
        verbose_name=_("inbox"),
        db_index=False,
    )
    branch = models.ForeignKey(
        settings.MESSENGER_BRANCH_MODEL,
        on_delete=models.PROTECT,
        related_name="messenger_conversations",
        verbose_name=_("branch"),
        editable=False,
        db_index=False,
    )
    contact = models.ForeignKey(
        "messenger.Contact",
        on_delete=models.PROTECT,
        related_name="conversations",
        verbose_name=_("contact"),
    )
    contact_verified = models.BooleanField(
        _("contact verified"),
        default=True,
        help_text=_(
            "Off when the visitor was linked to an existing contact by e-mail or phone, "
            "which the visitor did not prove to own."
        ),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ConversationStatus.choices,
        default=ConversationStatus.OPEN,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messenger_conversations",
        verbose_name=_("assigned operator"),
        db_index=False,
    )
    region = models.CharField(_("region"), max_length=100, blank=True)
    page_url = models.URLField(_("page"), max_length=1000, blank=True)
    locale = models.CharField(_("language"), max_length=16, blank=True)
    routing_rule = models.ForeignKey(
        "messenger.RoutingRule",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations",
        verbose_name=_("routing rule"),
    )

    has_visitor_message = models.BooleanField(_("has visitor message"), default=False)
    last_message_id = models.BigIntegerField(_("last message id"), default=0)
    last_visitor_message_id = models.BigIntegerField(_("last visitor message id"), default=0)
    last_message_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    last_message_preview = models.CharField(_("last message"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        # Every message rewrites the conversation's row and so an entry in
        # each of these indexes. The inbox, branch and assignee keys have no
        # index of their own: the lists read them through the indexes below,
        # and only rare deletions of an inbox, branch or user look them up
        # otherwise, with a scan of the table.
        indexes = [
            models.Index(
                fields=["branch", "status", "-last_message_at", "-id"],
                condition=LISTED,
                name="messenger_conv_branch_idx",
            ),
            models.Index(
                fields=["inbox", "status", "-last_message_at", "-id"],
                condition=LISTED,
                name="messenger_conv_inbox_idx",
            ),
            models.Index(
                fields=["assignee", "status", "-last_message_at", "-id"],
                condition=LISTED,
                name="messenger_conv_assignee_idx",
            ),
            # Users who see every branch list across branches.
            models.Index(
                fields=["status", "-last_message_at", "-id"],
                condition=LISTED,
                name="messenger_conv_status_idx",
            ),
            # The "unassigned" filter would otherwise scan a branch's assigned rows.
            models.Index(
                fields=["branch", "status", "-last_message_at", "-id"],
                condition=LISTED & Q(assignee__isnull=True),
                name="messenger_conv_unassigned_idx",
            ),
            # Only conversations without a visitor message, which cleanup
            # deletes; the rest leave it, so a send does not write to it.
            models.Index(
                fields=["created_at"],
                condition=Q(has_visitor_message=False),
                name="messenger_conv_empty_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.contact}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The branch always follows the inbox; nothing may set it directly.
        # After creation both are immutable, which the parent's save() enforces.
        if self._state.adding and self.inbox_id is not None:
            self.branch_id = self.inbox.branch_id
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self.inbox_id is not None and self._state.adding:
            self.branch_id = self.inbox.branch_id


class ReadMarker(models.Model):
    """The last message an operator has read in a conversation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="messenger_read_markers",
        verbose_name=_("user"),
    )
    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        related_name="read_markers",
        verbose_name=_("conversation"),
    )
    last_read_message_id = models.BigIntegerField(_("last read message id"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("read marker")
        verbose_name_plural = _("read markers")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "conversation"], name="messenger_readmarker_unique"
            )
        ]

    def __str__(self) -> str:
        # Ids only, so that listing markers loads no users or conversations.
        return (
            f"user {self.user_id}, conversation {self.conversation_id}: {self.last_read_message_id}"
        )
