"""The operator panel: the conversation list and one conversation with its reply form."""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView, TemplateView

from ..conf import messenger_settings
from ..selectors.conversations import (
    conversation_messages,
    get_visible_conversation,
    visible_conversations,
)
from ..services.conversations import mark_read
from ..services.messages import send_operator_message
from .mixins import MessengerPageMixin

logger = logging.getLogger(__name__)


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Reply"),
        widget=forms.Textarea(attrs={"rows": 3}),
        strip=False,
    )

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError(_("The message is empty."))
        limit = messenger_settings.MAX_MESSAGE_LENGTH
        if len(body) > limit:
            raise forms.ValidationError(
                _("The message is %(length)d characters long; the maximum is %(limit)d.")
                % {"length": len(body), "limit": limit}
            )
        return body


class ConversationListView(MessengerPageMixin, ListView):
    template_name = "messenger/conversation_list.html"
    context_object_name = "conversations"
    paginate_by = 50

    def get_queryset(self):
        return visible_conversations(self.request.user)


class ConversationDetailView(MessengerPageMixin, TemplateView):
    template_name = "messenger/conversation_detail.html"

    def get_conversation(self):
        return get_visible_conversation(self.request.user, self.kwargs["pk"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        conversation = kwargs.get("conversation") or self.get_conversation()
        context["conversation"] = conversation
        context["messages_list"] = list(conversation_messages(conversation.pk))
        context["form"] = kwargs.get("form") or ReplyForm()
        return context

    def get(self, request, *args: Any, **kwargs: Any):
        conversation = self.get_conversation()
        mark_read(conversation, request.user)
        return self.render_to_response(self.get_context_data(conversation=conversation))

    def post(self, request, *args: Any, **kwargs: Any):
        conversation = self.get_conversation()
        form = ReplyForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(
                self.get_context_data(conversation=conversation, form=form), status=400
            )
        send_operator_message(conversation, request.user, form.cleaned_data["body"])
        messages.success(request, _("Reply sent."))
        return HttpResponseRedirect(reverse("messenger:conversation-detail", args=[conversation.pk]))
