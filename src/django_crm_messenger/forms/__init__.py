"""Forms of the settings pages."""

from .inboxes import AllowedSitesField, InboxCreateForm, InboxEditForm
from .routing import RoutingRuleForm

__all__ = ["AllowedSitesField", "InboxCreateForm", "InboxEditForm", "RoutingRuleForm"]
