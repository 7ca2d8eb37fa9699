from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.utils.decorators import method_decorator
from django.views.generic.base import ContextMixin

from ..conf import messenger_settings
from ..utils import ensure_messenger_enabled_view


@method_decorator(ensure_messenger_enabled_view, name="dispatch")
class MessengerPageMixin(LoginRequiredMixin, ContextMixin):
    """Base for operator and settings pages: 404 while disabled, login required."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["messenger_base_template"] = messenger_settings.BASE_TEMPLATE
        return context
