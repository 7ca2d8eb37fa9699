from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
)
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from ...models import Conversation
from ...selectors.conversations import (
    branch_members,
    conversation_messages,
    get_visible_conversation,
    is_id,
)
from ...services.conversations import (
    assign_conversation,
    mark_read,
    reopen_conversation,
    resolve_conversation,
)
from ...services.messages import send_operator_message
from ..mixins import MessengerPageMixin
from .common import live_context
from .forms import ReplyForm

logger = logging.getLogger(__name__)


def card_context(request: HttpRequest, conversation: Conversation) -> dict[str, Any]:
    """Return the context of the contact card and the action forms beside the messages."""
    colleagues: list[AbstractBaseUser | AnonymousUser] = list(
        branch_members(conversation.branch_id)
    )
    if all(colleague.pk != request.user.pk for colleague in colleagues):
        # Admins who see every branch may take a conversation too.
        colleagues.append(request.user)
    return {"conversation": conversation, "colleagues": colleagues, "request": request}


class ConversationDetailView(MessengerPageMixin, TemplateView):
    """One conversation: messages, contact card, reply form and actions.

    Opening the page marks the conversation read.
    """

    template_name = "messenger/conversation_detail.html"

    def get_conversation(self) -> Conversation:
        return get_visible_conversation(self.request.user, self.kwargs["pk"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        conversation = kwargs["conversation"]
        messages_list = list(conversation_messages(conversation.pk))
        context.update(card_context(self.request, conversation))
        context.update(live_context(self.request))
        context["messages_list"] = messages_list
        context["last_message_id"] = messages_list[-1].pk if messages_list else 0
        context["form"] = kwargs.get("form") or ReplyForm()
        context["live_url"] = reverse("messenger:conversation-live", args=[conversation.pk])
        context["read_url"] = reverse(
            "messenger:conversation-action", args=[conversation.pk, "read"]
        )
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        conversation = self.get_conversation()
        mark_read(conversation, request.user)
        return self.render_to_response(self.get_context_data(conversation=conversation))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        conversation = self.get_conversation()
        form = ReplyForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(
                self.get_context_data(conversation=conversation, form=form), status=400
            )
        message = send_operator_message(conversation, request.user, form.cleaned_data["body"])
        # The operator has seen their own reply and everything before it.
        conversation.last_message_id = message.pk
        mark_read(conversation, request.user)
        messages.success(request, _("Reply sent."))
        return HttpResponseRedirect(
            reverse("messenger:conversation-detail", args=[conversation.pk])
        )


class ConversationLiveView(MessengerPageMixin, View):
    """Return what changed in an open conversation: messages after ``?after=<id>`` and the card."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        conversation = get_visible_conversation(request.user, kwargs["pk"])
        after = request.GET.get("after", "0")
        if not is_id(after):
            return JsonResponse({"detail": _("'after' must be a message id.")}, status=400)

        new_messages = list(conversation_messages(conversation.pk, after=int(after), limit=200))
        response = JsonResponse(
            {
                "messages_html": render_to_string(
                    "messenger/conversation_messages.html",
                    {"messages_list": new_messages},
                    request=request,
                ),
                "last_message_id": new_messages[-1].pk if new_messages else int(after),
                "more": len(new_messages) == 200,
                "card_html": render_to_string(
                    "messenger/conversation_card.html",
                    card_context(request, conversation),
                    request=request,
                ),
            }
        )
        response["Cache-Control"] = "no-store"
        return response


class ConversationActionView(MessengerPageMixin, View):
    """Run one action from the conversation page: assign, resolve, reopen or read.

    A plain form post is redirected back to the conversation with a message;
    panel.js posts with ``X-Requested-With`` and gets 204 or a JSON error.
    """

    actions = ("assign", "resolve", "reopen", "read")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        action = kwargs["action"]
        if action not in self.actions:
            raise Http404
        conversation = get_visible_conversation(request.user, kwargs["pk"])
        try:
            notice = getattr(self, f"do_{action}")(request, conversation)
        except ValidationError as exc:
            detail = " ".join(exc.messages)
            if self.wants_json(request):
                return JsonResponse({"detail": detail}, status=400)
            messages.error(request, detail)
        except ValueError:
            return HttpResponseBadRequest(_("The request is not valid."))
        else:
            if self.wants_json(request):
                return HttpResponse(status=204)
            if notice:
                messages.success(request, notice)
        return HttpResponseRedirect(
            reverse("messenger:conversation-detail", args=[conversation.pk])
        )

    @staticmethod
    def wants_json(request: HttpRequest) -> bool:
        return request.headers.get("X-Requested-With") == "XMLHttpRequest"

    def do_assign(self, request: HttpRequest, conversation: Conversation) -> str:
        value = request.POST.get("assignee", "")
        if value == "":
            assign_conversation(conversation, None, request.user)
            return _("The conversation is now unassigned.")
        if not is_id(value):
            raise ValueError(value)
        assignee = get_user_model()._default_manager.filter(pk=int(value), is_active=True).first()
        if assignee is None:
            raise ValidationError(_("This user cannot be assigned."))
        assign_conversation(conversation, assignee, request.user)
        return _("The conversation is assigned to %(name)s.") % {"name": assignee.get_username()}

    def do_resolve(self, request: HttpRequest, conversation: Conversation) -> str:
        resolve_conversation(conversation, request.user)
        return _("The conversation is resolved.")

    def do_reopen(self, request: HttpRequest, conversation: Conversation) -> str:
        reopen_conversation(conversation, request.user)
        return _("The conversation is open again.")

    def do_read(self, request: HttpRequest, conversation: Conversation) -> str:
        value = request.POST.get("message_id", "")
        if value and not is_id(value):
            raise ValueError(value)
        mark_read(conversation, request.user, int(value) if value else None)
        return ""
