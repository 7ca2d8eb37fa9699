from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

from ...selectors.conversations import visible_branch_ids
from ...utils import ensure_messenger_enabled_api


class MessengerEnabled(BasePermission):
    """Reject every request with 404 ``Messenger disabled`` while MESSENGER_ENABLED is off."""

    def has_permission(self, request: Any, view: Any) -> bool:
        ensure_messenger_enabled_api()
        return True


class BranchScoped(BasePermission):
    """Let an authenticated user reach only objects of the branches they may see.

    Viewsets already scope their querysets, so another branch's object is a
    404 before this runs. The object check is kept so that a custom
    ``get_object()`` cannot skip the scope.
    """

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active)

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        branch_ids = visible_branch_ids(request.user)
        return branch_ids is None or obj.branch_id in branch_ids
