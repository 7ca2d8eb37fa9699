"""Delete empty conversations that widget loads and bots leave behind."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from ...conf import messenger_settings
from ...models import Contact, Conversation
from ...state import forget_conversations

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000


class Command(BaseCommand):
    help = (
        "Delete conversations that have no messages and are older than "
        "MESSENGER_EMPTY_CONVERSATION_MAX_AGE seconds, and the contacts left without any."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--max-age",
            type=int,
            default=None,
            help="Age in seconds; defaults to MESSENGER_EMPTY_CONVERSATION_MAX_AGE.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Only count what would go.")

    def handle(self, *args: Any, **options: Any) -> None:
        max_age = options["max_age"]
        if max_age is None:
            max_age = messenger_settings.EMPTY_CONVERSATION_MAX_AGE
        cutoff = timezone.now() - timedelta(seconds=max_age)
        # An operator reply in a conversation the visitor never wrote to
        # still counts as content, so only conversations without any message go.
        stale = Conversation.objects.filter(
            has_visitor_message=False, last_message_id=0, created_at__lt=cutoff
        )

        if options["dry_run"]:
            count = stale.count()
            self.stdout.write(f"{count} empty conversations would be deleted.")
            return

        conversations = contacts = 0
        while True:
            deleted, orphans = self._delete_batch(stale)
            conversations += deleted
            contacts += orphans
            if deleted < BATCH_SIZE:
                break
        logger.info(
            "Deleted %d empty conversations and %d contacts without any", conversations, contacts
        )
        self.stdout.write(
            f"Deleted {conversations} empty conversations and {contacts} contacts without any."
        )

    def _delete_batch(self, stale: Any) -> tuple[int, int]:
        with transaction.atomic():
            # The row locks make a visitor's first send wait for this batch,
            # and skip_locked leaves alone a conversation that a send holds,
            # so a message can never arrive in a conversation being deleted.
            rows = list(
                stale.select_for_update(skip_locked=True)
                .order_by("id")
                .values_list("id", "contact_id")[:BATCH_SIZE]
            )
            if not rows:
                return 0, 0
            conversation_ids = [pk for pk, _contact_id in rows]
            contact_ids = {contact_id for _pk, contact_id in rows}
            Conversation.objects.filter(pk__in=conversation_ids).delete()
            _total, deleted = Contact.objects.filter(
                pk__in=contact_ids, conversations__isnull=True
            ).delete()
            orphans = deleted.get(Contact._meta.label, 0)
            transaction.on_commit(lambda: forget_conversations(conversation_ids))
        return len(conversation_ids), orphans
