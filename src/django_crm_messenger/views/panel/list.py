from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from ...models import ConversationStatus
from ...selectors.conversations import (
    ConversationFilters,
    InvalidCursor,
    InvalidFilter,
    conversation_page,
    visible_inboxes,
)
from ..mixins import MessengerPageMixin
from .common import live_context

logger = logging.getLogger(__name__)

ASSIGNEE_LABELS = [
    ("all", _("All")),
    ("mine", _("Mine")),
    ("unassigned", _("Unassigned")),
]


class ConversationListView(MessengerPageMixin, TemplateView):
    """The conversations of the user's branches, by last activity, with tabs and filters.

    ``?partial=1`` renders only the list, for panel.js to swap in when
    something changed.
    """

    template_name = "messenger/conversation_list.html"
    partial_template_name = "messenger/conversation_list_items.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            self.filters = ConversationFilters.from_params(request.GET)
        except InvalidFilter as exc:
            # A hand-edited link is not worth an error page: show the default list.
            logger.warning(
                "Ignored conversation filter %s from user %s", exc.field, request.user.pk
            )
            self.filters = ConversationFilters()

        self.cursor = request.GET.get("cursor", "")
        try:
            conversations, next_cursor = conversation_page(
                request.user, self.filters, cursor=self.cursor
            )
        except InvalidCursor:
            logger.warning("Ignored invalid list cursor from user %s", request.user.pk)
            self.cursor = ""
            conversations, next_cursor = conversation_page(request.user, self.filters)

        context = self.get_context_data(conversations=conversations, next_cursor=next_cursor)
        if request.GET.get("partial"):
            return self.response_class(
                request=request, template=[self.partial_template_name], context=context
            )
        return self.render_to_response(context)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filters = self.filters
        params = filters.as_params()

        def link(**changes: str) -> str:
            merged = {**params, **changes}
            return "?" + urlencode({key: value for key, value in merged.items() if value})

        context.update(live_context(self.request))
        context.update(
            {
                "filters": filters,
                "inboxes": list(visible_inboxes(self.request.user).order_by("name", "id")),
                "status_tabs": [
                    (value, label, link(status=value), value == filters.status)
                    for value, label in ConversationStatus.choices
                ],
                "assignee_choices": ASSIGNEE_LABELS,
                "is_first_page": not self.cursor,
                "first_page_url": link(),
                "next_page_url": link(cursor=kwargs["next_cursor"])
                if kwargs["next_cursor"]
                else "",
                "partial_url": link(partial="1"),
            }
        )
        return context
