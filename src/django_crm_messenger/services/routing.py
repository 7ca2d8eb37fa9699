"""Routing rules: which inbox, and so which branch, a new conversation goes to."""

from __future__ import annotations

import logging
from typing import Any, Literal

from django.db import transaction

from ..models import Inbox, RoutingRule, normalize_region

logger = logging.getLogger(__name__)

# Priorities written by move_rule() leave gaps, so a rule typed in by hand
# with a number between two others still lands where the admin expects.
PRIORITY_STEP = 10


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


def create_rule(
    *, region: str, inbox: Inbox, priority: int | None = None, is_active: bool = True
) -> RoutingRule:
    """Create a rule; without a priority it goes after every existing rule."""
    if priority is None:
        last = RoutingRule.objects.order_by("-priority").values_list("priority", flat=True).first()
        priority = (last or 0) + PRIORITY_STEP
    rule = RoutingRule(region=region.strip(), inbox=inbox, priority=priority, is_active=is_active)
    rule.full_clean()
    rule.save()
    logger.info("Routing rule %s created for inbox %s", rule.pk, inbox.pk)
    return rule


def update_rule(rule: RoutingRule, **fields: Any) -> RoutingRule:
    """Change a rule; conversations it already routed keep their inbox."""
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.region = rule.region.strip()
    rule.full_clean()
    rule.save()
    logger.info("Routing rule %s updated (%s)", rule.pk, ", ".join(sorted(fields)))
    return rule


def set_rule_active(rule: RoutingRule, is_active: bool) -> RoutingRule:
    if rule.is_active != is_active:
        rule.is_active = is_active
        rule.save(update_fields=["is_active", "updated_at"])
        logger.info("Routing rule %s %s", rule.pk, "activated" if is_active else "deactivated")
    return rule


def delete_rule(rule: RoutingRule) -> None:
    """Delete a rule; conversations it routed keep their inbox and lose the reference."""
    rule_id = rule.pk
    rule.delete()
    logger.info("Routing rule %s deleted", rule_id)


def move_rule(rule: RoutingRule, direction: Literal["up", "down"]) -> bool:
    """Swap a rule with its neighbour in priority order; return False at either end.

    Every rule is renumbered in steps of PRIORITY_STEP first, so rules that
    shared a priority get a definite order that the move can change.
    """
    with transaction.atomic():
        rules = list(RoutingRule.objects.select_for_update().order_by("priority", "id"))
        index = next((i for i, item in enumerate(rules) if item.pk == rule.pk), None)
        if index is None:
            return False
        target = index - 1 if direction == "up" else index + 1
        if target < 0 or target >= len(rules):
            return False

        rules[index], rules[target] = rules[target], rules[index]
        changed = []
        for position, item in enumerate(rules, start=1):
            priority = position * PRIORITY_STEP
            if item.priority != priority:
                item.priority = priority
                changed.append(item)
        RoutingRule.objects.bulk_update(changed, ["priority"])

    rule.refresh_from_db(fields=["priority"])
    logger.info("Routing rule %s moved %s to priority %s", rule.pk, direction, rule.priority)
    return True
