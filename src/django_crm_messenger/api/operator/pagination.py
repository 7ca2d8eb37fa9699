from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from ...conf import messenger_settings
from ...selectors.conversations import InvalidCursor, after_cursor, encode_cursor, is_id


class ConversationCursorPagination(BasePagination):
    """Keyset pages on (last activity, id), newest first: ``?cursor=`` from ``next``.

    A page costs the same at any depth because the database seeks to the
    cursor in the list index instead of counting skipped rows.
    """

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request: Any) -> int:
        default = messenger_settings.PANEL_PAGE_SIZE
        value = request.query_params.get(self.page_size_query_param, "")
        if not value:
            return default
        if not is_id(value) or not 1 <= int(value) <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: _("Enter a whole number from 1 to %(max)d.")
                    % {"max": self.max_page_size}
                }
            )
        return int(value)

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list[Any]:
        self.request = request
        size = self.get_page_size(request)
        cursor = request.query_params.get(self.cursor_query_param, "")
        if cursor:
            try:
                queryset = after_cursor(queryset, cursor)
            except InvalidCursor:
                raise ValidationError({self.cursor_query_param: _("Invalid cursor.")}) from None
        rows = list(queryset[: size + 1])
        self.next_cursor = encode_cursor(rows[size - 1]) if len(rows) > size else ""
        return rows[:size]

    def get_next_link(self) -> str | None:
        if not self.next_cursor:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self.next_cursor)

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The cursor from the previous page's `next` link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Conversations per page, 1 to {self.max_page_size}.",
                "schema": {"type": "integer"},
            },
        ]
