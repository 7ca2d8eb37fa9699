"""Health report of a messenger installation, shared by the health page, its JSON and a command.

Each probe catches its own failure and reports it, so one broken part never
hides the state of the others.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext as _

from .checks import PROCESS_LOCAL_CACHES
from .conf import messenger_settings
from .models import Inbox
from .state import get_cache

logger = logging.getLogger(__name__)

PROBE_KEY_PREFIX = "messenger:health:"


@dataclass
class CacheReport:
    alias: str
    backend: str
    shared: bool
    reachable: bool
    round_trip_ms: float | None
    error: str = ""


@dataclass
class DatabaseReport:
    alias: str
    vendor: str
    reachable: bool
    error: str = ""


@dataclass
class InboxReport:
    id: int
    name: str
    branch: str
    is_active: bool
    last_loaded_at: datetime | None
    last_loaded_origin: str


@dataclass
class HealthReport:
    """Everything the diagnostics page shows.

    ``problems`` stop the messenger from working and make ``ok`` False;
    ``warnings`` need attention but leave it working.
    """

    enabled: bool
    cache: CacheReport
    database: DatabaseReport
    active_inboxes: int | None
    inboxes: list[InboxReport] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    checks: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        return data


def describe_error(exc: BaseException) -> str:
    """Return an error's class and message, short enough for a page and a log line."""
    return f"{type(exc).__name__}: {exc}"[:300]


def probe_cache() -> CacheReport:
    """Write, read and delete a random key in the messenger's cache, timing the round trip."""
    alias = messenger_settings.CACHE_ALIAS
    backend = str(settings.CACHES.get(alias, {}).get("BACKEND", ""))
    report = CacheReport(
        alias=alias,
        backend=backend,
        shared=backend not in PROCESS_LOCAL_CACHES,
        reachable=False,
        round_trip_ms=None,
    )

    # NOTE: an unreachable host (not a closed port) makes the probe wait as long
    # as the cache client's own connect and socket timeouts allow.
    key = f"{PROBE_KEY_PREFIX}{uuid.uuid4().hex}"
    value = uuid.uuid4().hex
    started = time.perf_counter()
    try:
        cache = get_cache()
        cache.set(key, value, 30)
        found = cache.get(key)
        cache.delete(key)
    # A cache client raises its own exception classes (redis, pymemcache, ...),
    # so any failure here means the cache is down, not a bug in this probe.
    except Exception as exc:
        report.error = describe_error(exc)
        logger.warning("Health check: cache %r failed: %s", alias, report.error)
        return report
    report.round_trip_ms = round((time.perf_counter() - started) * 1000, 2)
    if found != value:
        report.error = _("The value written to the cache could not be read back.")
        logger.warning("Health check: cache %r did not return the value written", alias)
        return report
    report.reachable = True
    return report


def probe_database(alias: str = DEFAULT_DB_ALIAS) -> DatabaseReport:
    connection = connections[alias]
    report = DatabaseReport(alias=alias, vendor=connection.vendor, reachable=False)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        report.error = describe_error(exc)
        logger.warning("Health check: database %r failed: %s", alias, report.error)
        return report
    report.reachable = True
    return report


def inbox_reports() -> list[InboxReport]:
    inboxes = Inbox.objects.select_related("branch").order_by("name", "id")
    return [
        InboxReport(
            id=inbox.pk,
            name=inbox.name,
            branch=str(inbox.branch),
            is_active=inbox.is_active,
            last_loaded_at=inbox.last_loaded_at,
            last_loaded_origin=inbox.last_loaded_origin,
        )
        for inbox in inboxes
    ]


def messenger_check_messages() -> list[CheckMessage]:
    """Return the messenger's own system check messages, deployment checks included."""
    from . import checks

    found: list[CheckMessage] = []
    for check in checks.MESSENGER_CHECKS:
        found.extend(check(app_configs=None))
    return found


def collect_health() -> HealthReport:
    """Probe every part and return the report, with a failing part reported instead of raised."""
    cache = probe_cache()
    database = probe_database()
    inboxes: list[InboxReport] = []
    active: int | None = None
    problems: list[str] = []
    warnings: list[str] = []
    if database.reachable:
        try:
            inboxes = inbox_reports()
            active = sum(1 for inbox in inboxes if inbox.is_active)
        except Exception as exc:
            error = describe_error(exc)
            logger.warning("Health check: reading inboxes failed: %s", error)
            problems.append(
                _("Reading the inboxes failed; are the migrations applied? %(error)s")
                % {"error": error}
            )

    if not messenger_settings.ENABLED:
        problems.append(_("MESSENGER_ENABLED is off: the widget API and the pages answer 404."))
    if not cache.reachable:
        problems.append(
            _("The cache %(alias)s is not reachable: %(error)s")
            % {"alias": cache.alias, "error": cache.error}
        )
    if not cache.shared:
        message = _(
            "The cache %(alias)s uses %(backend)s, which is not shared between server "
            "processes, so widget sessions break as soon as there is more than one."
        ) % {"alias": cache.alias, "backend": cache.backend}
        # Fine on a developer's machine, which runs one process.
        (warnings if settings.DEBUG else problems).append(message)
    if not database.reachable:
        problems.append(
            _("The database %(alias)s is not reachable: %(error)s")
            % {"alias": database.alias, "error": database.error}
        )
    if active == 0:
        warnings.append(_("There is no active inbox, so no widget can start a chat."))

    try:
        found = messenger_check_messages()
    # A check that crashes on a broken setting must not hide the rest of the report.
    except Exception as exc:
        error = describe_error(exc)
        logger.warning("Health check: running the system checks failed: %s", error)
        problems.append(_("Running the system checks failed: %(error)s") % {"error": error})
        found = []

    check_messages = []
    for check_message in found:
        serious = check_message.is_serious()
        check_messages.append(
            {
                "id": check_message.id or "",
                "level": "error" if serious else "warning",
                "msg": check_message.msg,
            }
        )
        (problems if serious else warnings).append(f"{check_message.id}: {check_message.msg}")

    return HealthReport(
        enabled=messenger_settings.ENABLED,
        cache=cache,
        database=database,
        active_inboxes=active,
        inboxes=inboxes,
        problems=problems,
        warnings=warnings,
        checks=check_messages,
    )
