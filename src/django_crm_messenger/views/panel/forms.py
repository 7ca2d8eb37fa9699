from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ...validators import validate_message_body


class ReplyForm(forms.Form):
    """An operator's reply; Ctrl+Enter in the panel submits it."""

    body = forms.CharField(
        label=_("Reply"),
        widget=forms.Textarea(attrs={"rows": 3, "data-messenger-reply": ""}),
        strip=False,
    )

    def clean_body(self) -> str:
        body: str = self.cleaned_data["body"]
        validate_message_body(body)
        return body
