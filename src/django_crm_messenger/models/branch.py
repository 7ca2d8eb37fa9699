from django.db import models
from django.utils.translation import gettext_lazy as _


class AbstractBranch(models.Model):
    """Base for a CRM branch (office, department) that owns inboxes and conversations."""

    name = models.CharField(_("name"), max_length=200)

    class Meta:
        abstract = True
        ordering = ["name"]
        verbose_name = _("branch")
        verbose_name_plural = _("branches")

    def __str__(self) -> str:
        return self.name


class Branch(AbstractBranch):
    """Default branch model; a CRM replaces it with MESSENGER_BRANCH_MODEL."""

    class Meta(AbstractBranch.Meta):
        swappable = "MESSENGER_BRANCH_MODEL"
