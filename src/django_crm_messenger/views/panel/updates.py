from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views import View

from ...selectors.conversations import changes_token
from ..mixins import MessengerPageMixin


class UpdatesView(MessengerPageMixin, View):
    """Tell an open panel page whether anything in the user's branches changed.

    ``?since=<token>`` is the token from the page or the previous answer.
    An idle poll reads only the cache (after the session lookup that every
    logged-in request makes).
    """

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        token = changes_token(request.user)
        since = request.GET.get("since", "")
        response = JsonResponse({"token": token, "changed": since != token})
        response["Cache-Control"] = "no-store"
        return response
