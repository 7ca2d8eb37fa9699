from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import PermissionRequiredMixin

from ..mixins import MessengerPageMixin

MANAGE_PERMISSION = "messenger.manage_messenger"


class SettingsPageMixin(MessengerPageMixin, PermissionRequiredMixin):
    """Base of every settings page: admins only.

    Admins are superusers and users with ``messenger.manage_messenger``,
    the permission a CRM grants to its admin role. Anonymous users are sent
    to the login page, and other users get 403.
    """

    permission_required = MANAGE_PERMISSION
    settings_section = ""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["settings_section"] = self.settings_section
        return context
