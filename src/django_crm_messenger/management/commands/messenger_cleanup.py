from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from ...conf import messenger_settings
from ...models import Contact, Conversation


class Command(BaseCommand):
    help = (
        "Delete conversations that never received a visitor message and are older than "
        "MESSENGER_EMPTY_CONVERSATION_MAX_AGE seconds, with contacts left without any."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-age",
            type=int,
            default=None,
            help="Age in seconds; defaults to MESSENGER_EMPTY_CONVERSATION_MAX_AGE.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Only count what would go.")

    def handle(self, *args, **options):
        max_age = options["max_age"]
        if max_age is None:
            max_age = messenger_settings.EMPTY_CONVERSATION_MAX_AGE
        cutoff = timezone.now() - timedelta(seconds=max_age)
        stale = Conversation.objects.filter(has_visitor_message=False, created_at__lt=cutoff)
        count = stale.count()
        if options["dry_run"]:
            self.stdout.write(f"{count} empty conversations would be deleted.")
            return
        contact_ids = list(stale.values_list("contact_id", flat=True).distinct())
        stale.delete()
        orphans = Contact.objects.filter(pk__in=contact_ids, conversations__isnull=True)
        orphan_count, _ = orphans.delete()
        self.stdout.write(
            f"Deleted {count} empty conversations and {orphan_count} contacts without any."
        )
