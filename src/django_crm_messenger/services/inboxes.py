from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..models import Inbox
from ..models.inbox import generate_widget_token
from ..state import forget_inbox

logger = logging.getLogger(__name__)


def create_inbox(*, name: str, branch: Any, is_active: bool = True, **fields: Any) -> Inbox:
    """Create an inbox; its branch is fixed from now on and its widget token is random."""
    inbox = Inbox(name=name, branch=branch, is_active=is_active, **fields)
    inbox.full_clean()
    inbox.save()
    logger.info("Inbox %s created in branch %s", inbox.pk, inbox.branch_id)
    return inbox


def update_inbox(inbox: Inbox, **fields: Any) -> Inbox:
    """Change an inbox's settings; the branch is not among the fields that may change.

    Deactivating ends every session of the inbox (``Inbox.save`` bumps the
    session generation), and the widget API's cached copy is dropped on commit.
    """
    if "branch" in fields or "branch_id" in fields:
        raise ValueError("An inbox's branch cannot be changed.")
    was_active = inbox.is_active
    changed = sorted(name for name, value in fields.items() if getattr(inbox, name) != value)
    for name, value in fields.items():
        setattr(inbox, name, value)
    inbox.full_clean()
    inbox.save()
    if changed:
        logger.info("Inbox %s updated (%s)", inbox.pk, ", ".join(changed))
    if was_active and not inbox.is_active:
        logger.info("Inbox %s deactivated; its sessions are ended", inbox.pk)
    return inbox


def regenerate_widget_token(inbox: Inbox) -> Inbox:
    """Give the inbox a new widget token and end every session made with the old one."""
    old_token = inbox.widget_token
    with transaction.atomic():
        Inbox.objects.filter(pk=inbox.pk).update(
            widget_token=generate_widget_token(),
            token_regenerated_at=timezone.now(),
            session_generation=F("session_generation") + 1,
            updated_at=timezone.now(),
        )
        inbox.refresh_from_db()
        transaction.on_commit(lambda: forget_inbox(old_token, inbox.widget_token))
    logger.info("Inbox %s widget token regenerated; its sessions are ended", inbox.pk)
    return inbox


def set_inbox_active(inbox: Inbox, is_active: bool) -> Inbox:
    """Activate or deactivate an inbox; deactivation ends all of its sessions."""
    if inbox.is_active == is_active:
        return inbox
    updates: dict[str, Any] = {"is_active": is_active, "updated_at": timezone.now()}
    if not is_active:
        updates["session_generation"] = F("session_generation") + 1
    with transaction.atomic():
        Inbox.objects.filter(pk=inbox.pk).update(**updates)
        inbox.refresh_from_db()
        transaction.on_commit(lambda: forget_inbox(inbox.widget_token))
    logger.info("Inbox %s %s", inbox.pk, "activated" if is_active else "deactivated")
    return inbox
