"""Inbox pages: the overview, creating an inbox, editing it and regenerating its token."""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from ..._typing import FormView
from ...forms import InboxCreateForm, InboxEditForm
from ...models import Inbox
from ...services.inboxes import create_inbox, regenerate_widget_token, update_inbox
from .base import SettingsPageMixin


class InboxListView(SettingsPageMixin, TemplateView):
    template_name = "messenger/settings/inbox_list.html"
    settings_section = "inboxes"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["inboxes"] = list(Inbox.objects.select_related("branch").order_by("name", "id"))
        return context


class InboxCreateView(SettingsPageMixin, FormView[InboxCreateForm]):
    template_name = "messenger/settings/inbox_create.html"
    form_class = InboxCreateForm
    settings_section = "inboxes"

    def form_valid(self, form: InboxCreateForm) -> HttpResponse:
        inbox = create_inbox(
            name=form.cleaned_data["name"],
            branch=form.cleaned_data["branch"],
            is_active=form.cleaned_data["is_active"],
        )
        messages.success(
            self.request,
            _("Inbox “%(name)s” was created. Set up its widget and copy the embed code below.")
            % {"name": inbox.name},
        )
        return HttpResponseRedirect(reverse("messenger:settings-inbox-edit", args=[inbox.pk]))


class InboxObjectMixin:
    request: HttpRequest
    kwargs: dict[str, Any]

    def get_inbox(self) -> Inbox:
        return get_object_or_404(Inbox.objects.select_related("branch"), pk=self.kwargs["pk"])


class InboxEditView(SettingsPageMixin, InboxObjectMixin, FormView[InboxEditForm]):
    template_name = "messenger/settings/inbox_edit.html"
    form_class = InboxEditForm
    settings_section = "inboxes"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.inbox: Inbox | None = None
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        self.inbox = self.get_inbox()
        kwargs = super().get_form_kwargs()
        # ModelForm validation writes the posted values onto its instance, so
        # the form gets a copy and self.inbox stays as stored for the service.
        kwargs["instance"] = copy.copy(self.inbox)
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["inbox"] = self.inbox
        return context

    def form_valid(self, form: InboxEditForm) -> HttpResponse:
        assert self.inbox is not None
        update_inbox(self.inbox, **form.changed_values())
        messages.success(self.request, _("The inbox settings were saved."))
        return HttpResponseRedirect(reverse("messenger:settings-inbox-edit", args=[self.inbox.pk]))


class RegenerateTokenView(SettingsPageMixin, InboxObjectMixin, TemplateView):
    """Ask for confirmation on GET; regenerate the widget token only on POST."""

    template_name = "messenger/settings/inbox_regenerate_token.html"
    settings_section = "inboxes"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["inbox"] = self.get_inbox()
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        inbox = regenerate_widget_token(self.get_inbox())
        messages.warning(
            request,
            _(
                "The widget token was regenerated. Every open chat of this inbox has ended, "
                "and websites with the old embed code can no longer connect: replace the "
                "embed code on them with the one below."
            ),
        )
        return HttpResponseRedirect(reverse("messenger:settings-inbox-edit", args=[inbox.pk]))
