"""Rebuild the search terms of every conversation, for data written outside the services."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...models import Conversation
from ...services.search import REINDEX_BATCH_SIZE, reindex_conversations

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Rebuild the search terms of all conversations from their contacts and messages. "
        "Run it after importing conversations, contacts or messages without the "
        "messenger's services. Each batch is rebuilt in its own transaction, so searches "
        "keep working during the run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=REINDEX_BATCH_SIZE,
            help=f"Conversations rebuilt per transaction (default {REINDEX_BATCH_SIZE}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size = options["batch_size"]
        if batch_size < 1:
            raise CommandError(f"--batch-size must be at least 1, got {batch_size}.")

        started = time.monotonic()
        conversations = terms = 0
        last_id = 0
        while True:
            # Keyset batches, so conversations created during the run are
            # reached as well and no batch rereads an earlier one.
            batch = list(
                Conversation.objects.filter(pk__gt=last_id)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not batch:
                break
            terms += reindex_conversations(batch, batch_size=batch_size)
            conversations += len(batch)
            last_id = batch[-1]
            if options["verbosity"] >= 2:
                self.stdout.write(f"{conversations} conversations, {terms} terms so far")

        seconds = time.monotonic() - started
        logger.info(
            "Rebuilt the search terms of %d conversations: %d terms in %.1f s",
            conversations,
            terms,
            seconds,
        )
        self.stdout.write(
            f"Rebuilt the search terms of {conversations} conversations: "
            f"{terms} terms in {seconds:.1f} s."
        )
