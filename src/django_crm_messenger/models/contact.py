from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _


class Contact(models.Model):
    """A visitor who has written through a widget, stored per branch."""

    branch = models.ForeignKey(
        settings.MESSENGER_BRANCH_MODEL,
        on_delete=models.PROTECT,
        related_name="messenger_contacts",
        verbose_name=_("branch"),
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("first seen"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last seen"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            # Bootstrap matches e-mail addresses case-insensitively (``iexact``,
            # which is UPPER() on PostgreSQL), so the index is on the same expression.
            models.Index(models.F("branch"), Upper("email"), name="messenger_contact_email_ci_idx"),
            models.Index(fields=["branch", "phone"], name="messenger_contact_phone_idx"),
        ]

    def __str__(self) -> str:
        return self.name or self.email or self.phone or f"#{self.pk}"
