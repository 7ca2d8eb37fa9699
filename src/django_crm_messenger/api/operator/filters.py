from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend

from ...selectors.conversations import (
    ASSIGNEE_CHOICES,
    STATUS_CHOICES,
    ConversationFilters,
    InvalidFilter,
    filter_conversations,
)


def invalid_filter_message(field: str) -> str:
    if field == "inbox":
        return _("Enter an inbox id.")
    choices = STATUS_CHOICES if field == "status" else ASSIGNEE_CHOICES
    return _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)}


class ConversationFilterBackend(BaseFilterBackend):
    """The panel's filters: ``status``, ``inbox``, ``assignee`` (all, mine, unassigned), ``q``."""

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        try:
            filters = ConversationFilters.from_params(request.query_params)
        except InvalidFilter as exc:
            raise ValidationError({exc.field: [invalid_filter_message(exc.field)]}) from None
        return filter_conversations(queryset, request.user, filters)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        def parameter(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
            return {
                "name": name,
                "required": False,
                "in": "query",
                "description": description,
                "schema": schema,
            }

        return [
            parameter(
                "status",
                "Status tab, `open` by default.",
                {"type": "string", "enum": list(STATUS_CHOICES)},
            ),
            parameter("inbox", "Only this inbox's conversations.", {"type": "integer"}),
            parameter(
                "assignee",
                "`mine`, `unassigned` or `all` (the default).",
                {"type": "string", "enum": list(ASSIGNEE_CHOICES)},
            ),
            parameter(
                "q", "Search in contact name, e-mail, phone and message text.", {"type": "string"}
            ),
        ]
