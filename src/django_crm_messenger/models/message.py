from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SenderType(models.TextChoices):
    VISITOR = "visitor", _("Visitor")
    OPERATOR = "operator", _("Operator")
    SYSTEM = "system", _("System")


class Message(models.Model):
    """One message in a conversation; its ``id`` is the widget's polling cursor."""

    conversation = models.ForeignKey(
        "messenger.Conversation",
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("conversation"),
        # The (conversation, id) index below serves this key's lookups, so
        # a send writes one index entry fewer.
        db_index=False,
    )
    sender = models.CharField(_("sender"), max_length=16, choices=SenderType.choices)
    body = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messenger_messages",
        verbose_name=_("author"),
    )
    # Kept as sent, so the visitor sees the same name after the user is renamed or deleted.
    author_name = models.CharField(_("author name"), max_length=150, blank=True)
    # NULL, not "", means "sent without a client id": the partial unique constraint
    # below skips NULL, so only real client ids are deduplicated.
    client_message_id = models.CharField(  # noqa: DJ001
        _("client message id"), max_length=64, null=True, blank=True
    )
    # Not indexed: messages are read by conversation and id, never by date.
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["conversation", "id"], name="messenger_msg_conv_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "client_message_id"],
                condition=Q(client_message_id__isnull=False),
                name="messenger_msg_client_id_unique",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} ({self.sender})"
