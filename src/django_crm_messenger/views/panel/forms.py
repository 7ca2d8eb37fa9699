from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ...conf import messenger_settings


class ReplyForm(forms.Form):
    """An operator's reply; Ctrl+Enter in the panel submits it."""

    body = forms.CharField(
        label=_("Reply"),
        widget=forms.Textarea(attrs={"rows": 3, "data-messenger-reply": ""}),
        strip=False,
    )

    def clean_body(self) -> str:
        body: str = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError(_("The message is empty."))
        limit = messenger_settings.MAX_MESSAGE_LENGTH
        if len(body) > limit:
            raise forms.ValidationError(
                _("The message is %(length)d characters long; the maximum is %(limit)d.")
                % {"length": len(body), "limit": limit}
            )
        return body
