from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .._typing import ModelChoiceField, ModelForm
from ..models import Inbox, RoutingRule, normalize_region


class InboxChoiceField(ModelChoiceField[Inbox]):
    def label_from_instance(self, obj: Inbox) -> str:
        label = f"{obj.name} ({obj.branch})"
        if not obj.is_active:
            label = _("%(inbox)s — inactive") % {"inbox": label}
        return str(label)


class RoutingRuleForm(ModelForm[RoutingRule]):
    inbox = InboxChoiceField(
        label=_("Inbox"),
        queryset=Inbox.objects.select_related("branch").order_by("name", "id"),
        help_text=_("New conversations from the region go to this inbox and its branch."),
    )

    class Meta:
        model = RoutingRule
        fields = ["region", "inbox", "priority", "is_active"]
        labels = {
            "region": _("Region"),
            "priority": _("Priority"),
            "is_active": pgettext_lazy("routing rule", "Active"),
        }
        help_texts = {
            "region": _(
                "Matched as the visitor's widget sends it, ignoring case, extra spaces "
                "and the difference between «ё» and «е»."
            ),
            "priority": _("Rules with a lower number are tried first."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["priority"].required = False

    def clean_region(self) -> str:
        region = " ".join(self.cleaned_data["region"].split())
        if not normalize_region(region):
            raise forms.ValidationError(_("Enter a region."), code="required")
        return region

    def save(self, commit: bool = True) -> RoutingRule:
        raise NotImplementedError("Save through services.routing.")

    def rule_values(self) -> dict[str, Any]:
        """Return the cleaned values for services.routing.create_rule()/update_rule()."""
        return {name: self.cleaned_data[name] for name in self._meta.fields or ()}
