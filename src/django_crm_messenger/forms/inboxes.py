from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .._typing import ModelForm
from ..branches import get_branch_model
from ..models import Inbox
from ..origins import normalize_site

# A widget embedded on more sites than this is more likely a pasted log
# than a real list; the limit is a judgement call, not a technical one.
MAX_ALLOWED_SITES = 50


class AllowedSitesField(forms.Field):
    """Sites typed one per line, cleaned into the stored list of normalized origins."""

    widget = forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocapitalize": "off"})

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:
        text = "" if value in self.empty_values else str(value)
        return [line.strip() for line in text.splitlines() if line.strip()]

    def validate(self, value: list[str]) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def clean(self, value: Any) -> list[str]:
        lines = self.to_python(value)
        self.validate(lines)

        sites: list[str] = []
        errors: list[forms.ValidationError] = []
        for line in lines:
            site = normalize_site(line)
            if site is None:
                errors.append(
                    forms.ValidationError(
                        _(
                            "“%(value)s” is not a website address. Write it as "
                            "https://shop.example.com, with a port if it is not the "
                            "default one, or https://*.example.com for every subdomain."
                        ),
                        code="invalid_site",
                        params={"value": line[:200]},
                    )
                )
            elif site not in sites:
                sites.append(site)
        if errors:
            raise forms.ValidationError(errors)
        if len(sites) > MAX_ALLOWED_SITES:
            raise forms.ValidationError(
                _("Enter at most %(limit)d sites; this list has %(count)d."),
                code="too_many_sites",
                params={"limit": MAX_ALLOWED_SITES, "count": len(sites)},
            )
        return sites


class InboxCreateForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("inbox", "Name"), max_length=200)
    branch: forms.ModelChoiceField[Model] = forms.ModelChoiceField(
        label=_("Branch"),
        queryset=None,
        help_text=_("Chosen once: the branch of an inbox cannot be changed later."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        branch = cast("forms.ModelChoiceField[Model]", self.fields["branch"])
        branch.queryset = get_branch_model()._default_manager.all()

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter a name."), code="required")
        return name


class InboxEditForm(ModelForm[Inbox]):
    """Every inbox setting an admin may change; the branch is deliberately not a field."""

    allowed_sites = AllowedSitesField(
        label=_("Allowed sites"),
        help_text=_(
            "One per line, for example https://shop.example.com or https://*.example.com "
            "for its subdomains. Other websites cannot use this widget."
        ),
    )

    class Meta:
        model = Inbox
        fields = [
            "name",
            "is_active",
            "widget_title",
            "widget_greeting",
            "widget_color",
            "widget_locale",
            "name_field",
            "email_field",
            "phone_field",
            "allowed_sites",
        ]
        labels = {
            "name": pgettext_lazy("inbox", "Name"),
            "is_active": _("Active"),
            "widget_title": _("Title"),
            "widget_greeting": _("Greeting"),
            "widget_color": _("Colour"),
            "widget_locale": _("Widget language"),
            "name_field": _("Name field"),
            "email_field": _("E-mail field"),
            "phone_field": _("Phone field"),
        }
        help_texts = {
            "is_active": _("Switching an inbox off ends all of its open chats on websites."),
            "widget_title": _("Shown in the widget's header; empty means the inbox name."),
            "widget_color": _("In the #RRGGBB form, for example #1F6FEB."),
        }
        widgets = {
            "widget_greeting": forms.Textarea(attrs={"rows": 2}),
            "widget_color": forms.TextInput(
                attrs={"pattern": "#[0-9A-Fa-f]{6}", "maxlength": 7, "size": 8}
            ),
        }

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter a name."), code="required")
        return name

    def clean_widget_color(self) -> str:
        # Stored in upper case so the same colour always reads the same.
        color: str = self.cleaned_data["widget_color"]
        return color.upper()

    def save(self, commit: bool = True) -> Inbox:
        raise NotImplementedError("Save through services.inboxes.update_inbox().")

    def changed_values(self) -> dict[str, Any]:
        """Return the cleaned values for services.inboxes.update_inbox()."""
        return {name: self.cleaned_data[name] for name in self._meta.fields or ()}
