"""Routing rule pages: the ordered list, the rule form and the list's actions."""

from __future__ import annotations

from typing import Any, Literal

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from ..._typing import FormView
from ...forms import RoutingRuleForm
from ...models import RoutingRule
from ...services import routing
from .base import SettingsPageMixin


def routing_list_url() -> str:
    return reverse("messenger:settings-routing")


class RoutingRuleListView(SettingsPageMixin, TemplateView):
    template_name = "messenger/settings/routing_list.html"
    settings_section = "routing"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["rules"] = list(
            RoutingRule.objects.select_related("inbox", "inbox__branch").order_by("priority", "id")
        )
        return context


class RoutingRuleFormView(SettingsPageMixin, FormView[RoutingRuleForm]):
    """Create a rule, or edit the one named by ``pk``."""

    template_name = "messenger/settings/routing_form.html"
    form_class = RoutingRuleForm
    settings_section = "routing"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.rule: RoutingRule | None = None
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        if "pk" in self.kwargs:
            self.rule = get_object_or_404(RoutingRule, pk=self.kwargs["pk"])
            # The form writes posted values onto its instance while validating.
            kwargs["instance"] = RoutingRule.objects.get(pk=self.rule.pk)
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["rule"] = self.rule
        return context

    def form_valid(self, form: RoutingRuleForm) -> HttpResponse:
        values = form.rule_values()
        if self.rule is None:
            routing.create_rule(**values)
            messages.success(self.request, _("The routing rule was created."))
        else:
            if values["priority"] is None:
                values["priority"] = self.rule.priority
            routing.update_rule(self.rule, **values)
            messages.success(self.request, _("The routing rule was saved."))
        return HttpResponseRedirect(routing_list_url())


class RoutingRuleActionView(SettingsPageMixin, View):
    """The list's buttons: move up or down, activate, deactivate, delete. POST only."""

    http_method_names = ["post"]

    # The URL pattern lets only these actions through.
    def post(
        self,
        request: HttpRequest,
        pk: int,
        action: Literal["up", "down", "activate", "deactivate", "delete"],
    ) -> HttpResponse:
        rule = get_object_or_404(RoutingRule.objects.select_related("inbox"), pk=pk)

        if action in ("up", "down"):
            if not routing.move_rule(rule, action):
                messages.info(request, _("The rule is already at that end of the list."))
        elif action == "activate":
            routing.set_rule_active(rule, True)
            messages.success(request, _("The rule “%(rule)s” is active.") % {"rule": rule})
        elif action == "deactivate":
            routing.set_rule_active(rule, False)
            messages.success(
                request, _("The rule “%(rule)s” is inactive and no longer used.") % {"rule": rule}
            )
        elif action == "delete":
            label = str(rule)
            routing.delete_rule(rule)
            messages.success(
                request,
                _("The rule “%(rule)s” was deleted. Conversations it routed stay in their inbox.")
                % {"rule": label},
            )
        return HttpResponseRedirect(routing_list_url())
