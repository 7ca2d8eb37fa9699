from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


def normalize_region(value: str) -> str:
    """Return the form regions are matched in: trimmed, case-folded, «ё» read as «е»."""
    folded = " ".join(value.split()).casefold()
    return folded.replace("ё", "е")


class RoutingRule(models.Model):
    """Sends new conversations from a region to an inbox, and so to its branch."""

    region = models.CharField(_("region"), max_length=100)
    region_normalized = models.CharField(max_length=100, editable=False, db_index=True)
    inbox = models.ForeignKey(
        "messenger.Inbox",
        on_delete=models.CASCADE,
        related_name="routing_rules",
        verbose_name=_("inbox"),
    )
    priority = models.PositiveIntegerField(
        _("priority"), default=100, help_text=_("Rules with a lower number are tried first.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return f"{self.region} → {self.inbox}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.region_normalized = normalize_region(self.region)
        super().save(*args, **kwargs)
