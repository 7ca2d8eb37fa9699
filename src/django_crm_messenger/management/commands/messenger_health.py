"""``manage.py messenger_health``: print the health report; exit 1 when it has problems."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...diagnostics import collect_health


class Command(BaseCommand):
    help = (
        "Check the messenger: the feature flag, the cache (with a live round trip), the "
        "database and the inboxes. Exits with status 1 when something is wrong."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = collect_health()

        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        else:
            self.write_report(report)

        if not report.ok:
            raise CommandError(
                f"The messenger has {len(report.problems)} problem(s).", returncode=1
            )

    def write_report(self, report: Any) -> None:
        cache = report.cache
        database = report.database
        self.stdout.write(f"MESSENGER_ENABLED: {'on' if report.enabled else 'off'}")
        self.stdout.write(
            f"Cache {cache.alias!r}: {cache.backend} "
            f"({'shared' if cache.shared else 'process-local'}), "
            + (f"round trip {cache.round_trip_ms} ms" if cache.reachable else "NOT reachable")
        )
        self.stdout.write(
            f"Database {database.alias!r}: "
            + ("reachable" if database.reachable else f"NOT reachable ({database.error})")
        )
        self.stdout.write(f"Active inboxes: {report.active_inboxes}")
        for inbox in report.inboxes:
            loaded = (
                f"last loaded {inbox.last_loaded_at} from {inbox.last_loaded_origin or '?'}"
                if inbox.last_loaded_at
                else "never loaded"
            )
            state = "active" if inbox.is_active else "inactive"
            self.stdout.write(f"  #{inbox.id} {inbox.name} [{inbox.branch}, {state}]: {loaded}")
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(f"WARNING: {warning}"))
        for problem in report.problems:
            self.stderr.write(self.style.ERROR(f"PROBLEM: {problem}"))
        if report.ok:
            self.stdout.write(self.style.SUCCESS("OK"))
