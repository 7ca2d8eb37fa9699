from __future__ import annotations

from ..models import Inbox, RoutingRule, normalize_region


def route_region(region: str, default_inbox: Inbox) -> tuple[Inbox, RoutingRule | None]:
    """Return the inbox a new conversation from ``region`` goes to, and the rule used.

    The first active rule by priority whose region matches wins, if its
    inbox is active; otherwise the widget's own inbox keeps the conversation.
    """
    normalized = normalize_region(region or "")
    if not normalized:
        return default_inbox, None
    rule = (
        RoutingRule.objects.filter(
            is_active=True, region_normalized=normalized, inbox__is_active=True
        )
        .select_related("inbox")
        .order_by("priority", "id")
        .first()
    )
    if rule is None:
        return default_inbox, None
    return rule.inbox, rule
