"""Benchmark the widget API and the operator panel against DRF's own floor.

Started by ``benchmarks/run``, which sets up the environment; see
docs/benchmarks.md for the method. Steps:

1. Recreate the benchmark database and Redis db, migrate, create branches,
   inboxes, operators and an admin.
2. Panel at scale: load 1,000 conversations into one database and 100,000
   conversations with 1,000,000 messages into another. Time the panel pages
   on a gunicorn server per database, count their queries and save the
   EXPLAIN plans.
3. Widget API: bootstrap sessions through the API, then run the scenarios
   and their baseline views with wrk, interleaved, several rounds.
4. Scale-out: idle polls against one and two gunicorn workers.

Prints one table per part, writes results/latest.json and results/latest.txt,
and exits with status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from urllib.parse import quote
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
LUA = HERE / "lua" / "bodies.lua"
VENV_BIN = Path(sys.executable).parent

DB_NAME = os.environ.get("BENCH_DB_NAME", "messenger_bench")
SMALL_DB_NAME = DB_NAME + "_small"
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def database_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


DATABASE_URL = database_url(DB_NAME)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")

os.environ["DATABASE_URL"] = DATABASE_URL
os.environ["REDIS_URL"] = REDIS_URL
os.environ["DEBUG"] = "0"
os.environ["MESSENGER_ENABLED"] = "1"
os.environ["DJANGO_SETTINGS_MODULE"] = "bench_project.settings"
os.environ["BENCH_LOG_FILE"] = str(RESULTS / "server.log")
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(HERE), str(ROOT / "example_project"), os.environ.get("PYTHONPATH", "")]
).rstrip(os.pathsep)
sys.path[:0] = [str(HERE), str(ROOT / "example_project")]

# Required ratios; see docs/benchmarks.md.
IDLE_POLL_TARGET = 0.8
SEND_TARGET = 0.5
PANEL_SCALE_TARGET = 1.5
SCALE_OUT_TARGET = 1.6


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}Z] {message}", file=sys.stderr, flush=True)


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --------------------------------------------------------------------------
# Database and cache


def recreate_databases(*names: str) -> None:
    """Give each benchmark database an empty public schema, creating it if missing.

    An existing database is emptied by dropping its schema rather than the
    database, because DROP DATABASE waits until every backend on the server
    has processed a barrier, and a long query of another client can delay that for minutes.
    """
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        existing = {
            row[0]
            for row in conn.execute(
                "SELECT datname FROM pg_database WHERE datname = ANY(%s)", [list(names)]
            )
        }
        for name in names:
            if name not in existing:
                conn.execute(f'CREATE DATABASE "{name}"')
    for name in names:
        with psycopg.connect(database_url(name), autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")

    import redis

    # Only the benchmark's own Redis database is cleared.
    redis.Redis.from_url(REDIS_URL).flushdb()


def setup_django() -> None:
    import django

    django.setup()


def use_database(name: str) -> None:
    """Point this process's default connection at another benchmark database."""
    from django.db import connections

    connection = connections["default"]
    connection.close()
    connection.settings_dict["NAME"] = name


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


@dataclass
class World:
    branches: list[Any] = field(default_factory=list)  # loader.Branch
    inboxes: list[Any] = field(default_factory=list)
    operator: Any = None
    admin: Any = None


def seed() -> World:
    """Four branches, one inbox and one operator each, and a superuser."""
    from crm.models import Branch
    from django.contrib.auth import get_user_model
    from django_crm_messenger.models import Inbox

    import loader

    user_model = get_user_model()
    world = World()
    for number, city in enumerate(["Москва", "Казань", "Самара", "Пермь"], start=1):
        branch = Branch.objects.create(name=f"Филиал «{city}»", city=city)
        inbox = Inbox.objects.create(
            name=f"Сайт ({city})",
            branch=branch,
            widget_title="Чат с магазином",
            widget_greeting="Здравствуйте! Чем помочь?",
        )
        operator = user_model.objects.create_user(
            username=f"operator{number}",
            password="bench-operator",  # noqa: S106
            first_name="Оператор",
            last_name=city,
            branch=branch,
        )
        world.inboxes.append(inbox)
        world.branches.append(
            loader.Branch(branch.pk, inbox.pk, operator.pk, operator.get_full_name())
        )
        if world.operator is None:
            world.operator = operator
    world.admin = user_model.objects.create_superuser(
        username="admin", password="bench-admin", email="admin@example.org"  # noqa: S106
    )
    return world


# --------------------------------------------------------------------------
# Servers and load


class Server:
    """gunicorn serving the example CRM with the benchmark settings."""

    def __init__(
        self,
        port: int,
        workers: int,
        threads: int = 2,
        database: str = DB_NAME,
        prefix: str = "",
        connections: int = 16,
    ):
        self.port = port
        # A gthread worker accepts every connection it can, so a burst of new
        # keep-alive connections can all land on one worker. Capping each
        # worker near its share spreads wrk's connections over the workers.
        self.worker_connections = -(-connections // workers) + threads
        self.workers = workers
        self.threads = threads
        self.database = database
        self.prefix = prefix
        self.process: subprocess.Popen | None = None
        self.log_file: Any = None

    def start(self) -> Server:
        log(
            f"Starting gunicorn on 127.0.0.1:{self.port} with {self.workers} worker(s), "
            f"database {self.database}"
        )
        env = dict(
            os.environ,
            DATABASE_URL=database_url(self.database),
            BENCH_CACHE_PREFIX=self.prefix,
        )
        self.log_file = stderr = open(RESULTS / f"gunicorn-{self.port}.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "crm.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--worker-class",
                "gthread",
                "--threads",
                str(self.threads),
                "--keep-alive",
                "30",
                "--worker-connections",
                str(self.worker_connections),
                "--log-level",
                "warning",
                "--chdir",
                str(ROOT / "example_project"),
            ],
            stdout=stderr,
            stderr=stderr,
            env=env,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _ = http_request(self.port, "POST", "/bench/constant/", b"{}")
                if status == 200:
                    return self
            except OSError:
                pass
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {stderr.name}")
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not respond within 60 s; see {stderr.name}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self.log_file is not None:
            self.log_file.close()
            self.log_file = None


def http_request(
    port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        all_headers = {"Content-Type": "application/json"}
        all_headers.update(headers or {})
        conn.request(method, path, body=body, headers=all_headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


def run_wrk(port: int, path: str, bodies: list[str], seconds: int, connections: int) -> WrkResult:
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
        handle.write("\n".join(bodies) + "\n")
        bodies_file = handle.name
    try:
        env = dict(os.environ, BENCH_PATH=path, BENCH_BODIES=bodies_file)
        completed = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                str(LUA),
                f"http://127.0.0.1:{port}",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(bodies_file)
    line = next(
        (row for row in completed.stdout.splitlines() if row.startswith("BENCH_RESULT ")), None
    )
    if line is None:
        raise SystemExit(f"wrk printed no result:\n{completed.stdout}\n{completed.stderr}")
    data = json.loads(line.removeprefix("BENCH_RESULT "))
    errors = sum(
        data[name]
        for name in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
    )
    return WrkResult(
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        requests=data["requests"],
        errors=errors,
    )


# --------------------------------------------------------------------------
# In-process measurement: query counts and plans


def api_client():
    from django.test import Client

    return Client(REMOTE_ADDR="127.0.0.1")


def post_json(client, path: str, payload: dict) -> Any:
    return client.post(path, data=json.dumps(payload), content_type="application/json")


def count_queries(call) -> tuple[int, Any, list[str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        response = call()
    return len(context), response, [query["sql"] for query in context.captured_queries]


BIG_TABLES = ("messenger_conversation", "messenger_message", "messenger_contact")


# A plan node that reads this many rows only to drop them is scanning, even
# when it walks an index.
FILTERED_ROWS_LIMIT = 5000


def explain(sqls: list[str], target: Path) -> list[str]:
    """Save EXPLAIN ANALYZE of the SELECTs on the big tables; return the scans found in them.

    A scan is a sequential scan of a big table, or a plan node whose filter
    removed at least FILTERED_ROWS_LIMIT rows.
    """
    from django.db import connection

    findings: list[str] = []
    lines = []
    with connection.cursor() as cursor:
        for sql in sqls:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            if not any(table in sql for table in BIG_TABLES):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = [row[0] for row in cursor.fetchall()]
            lines += ["-- " + sql, *plan, ""]
            findings += plan_scans(plan)
    target.write_text("\n".join(lines))
    return sorted(set(findings))


def plan_scans(plan: list[str]) -> list[str]:
    found = []
    node = ""
    loops = 1
    for row in plan:
        text = row.strip().removeprefix("->").strip()
        if "(cost=" in text:
            node = describe_node(text.split("  (")[0])
            match = re.search(r"loops=(\d+)\)", text)
            loops = int(match.group(1)) if match else 1
        for table in BIG_TABLES:
            if f"Seq Scan on {table}" in row:
                found.append(f"seq scan on {table}")
        if "Rows Removed by Filter:" in row:
            # EXPLAIN gives the average per loop.
            removed = int(row.split("Rows Removed by Filter:")[1].split()[0]) * loops
            if removed >= FILTERED_ROWS_LIMIT:
                found.append(f"{node} filtered out {removed:,} rows")
    return found


def describe_node(node: str) -> str:
    """Shorten "Index Scan using IDX on TABLE ALIAS" to "TABLE (IDX)"."""
    match = re.match(r".*Scan(?: using (\S+))? on (\S+)", node)
    if not match:
        return node
    index, table = match.groups()
    return f"{table} ({index})" if index else table


# --------------------------------------------------------------------------
# Panel at scale


@dataclass
class PanelPage:
    name: str
    path: str


def panel_pages(world: World, user: Any) -> list[PanelPage]:
    """Return the pages to time for ``user``: list, filters, search, a conversation, API."""
    from django_crm_messenger.selectors.conversations import visible_conversations

    # A conversation from the second page of the list, with a typical number of messages.
    sample = visible_conversations(user).filter(status="open").values_list("pk", flat=True)
    conversation_id = next(iter(sample[60:61]), None)
    inbox_id = world.branches[0].inbox_id
    name = quote("Анна")
    return [
        PanelPage("list (open)", "/messenger/conversations/"),
        PanelPage("list, 2nd page", "/messenger/conversations/?cursor=" + second_page(user)),
        PanelPage("filter: resolved", "/messenger/conversations/?status=resolved"),
        PanelPage("filter: mine", "/messenger/conversations/?assignee=mine"),
        PanelPage("filter: unassigned", "/messenger/conversations/?assignee=unassigned"),
        PanelPage("filter: inbox", f"/messenger/conversations/?inbox={inbox_id}"),
        PanelPage("search: common name", f"/messenger/conversations/?q={name}"),
        PanelPage("search: one e-mail", "/messenger/conversations/?q=client777%40example.org"),
        PanelPage("search: message text", "/messenger/conversations/?q=%D0%B2%D0%BE%D0%B7%D0%B2%D1%80%D0%B0%D1%82"),
        PanelPage("conversation", f"/messenger/conversations/{conversation_id}/"),
        PanelPage("live updates", "/messenger/updates/"),
        PanelPage("API list", "/api/messenger/conversations/"),
        PanelPage("API list, resolved", "/api/messenger/conversations/?status=resolved"),
        PanelPage("API list, search", f"/api/messenger/conversations/?q={name}"),
    ]


def second_page(user: Any) -> str:
    """Return the list's cursor for its second page, or "" if the panel has no cursors."""
    try:
        from django_crm_messenger.selectors.conversations import (
            ConversationFilters,
            conversation_page,
        )

        return conversation_page(user, ConversationFilters())[1]
    except (ImportError, TypeError) as exc:
        log(f"No list cursor: {exc}")
        return ""


def login_cookie(user: Any) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def time_pages(ports: list[int], paths: list[str], cookies: list[str], repeats: int):
    """Return each server's status and median time in ms for its page, alternating servers.

    Alternating request by request means that load from other processes on
    the machine slows both sizes alike, so their ratio stays meaningful.
    """
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=120) for port in ports]
    timings: list[list[float]] = [[] for _ in ports]
    statuses = [0 for _ in ports]
    try:
        for attempt in range(repeats + 2):
            # Every other attempt starts with the other server, so neither
            # size always runs while the other server finishes its last request.
            order = list(enumerate(connections))
            if attempt % 2:
                order.reverse()
            for index, conn in order:
                headers = {"Cookie": cookies[index], "Accept-Language": "ru"}
                started = time.perf_counter()
                conn.request("GET", paths[index], headers=headers)
                response = conn.getresponse()
                response.read()
                elapsed = (time.perf_counter() - started) * 1000
                statuses[index] = response.status
                if attempt >= 2:  # the first two warm the worker's caches
                    timings[index].append(elapsed)
    finally:
        for conn in connections:
            conn.close()
    return statuses, [statistics.median(values) for values in timings]


def panel_queries(user: Any, page: PanelPage, slug: str) -> dict[str, Any]:
    """Count one page's queries in this process, on the current database, and save its plans."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    client.get(page.path)  # fills the caches the server's workers would have warm
    queries, response, sqls = count_queries(lambda: client.get(page.path))
    if response.status_code != 200:
        return {"status": response.status_code, "path": page.path}
    scans = explain(sqls, RESULTS / f"explain-{slug}.txt")
    return {"status": 200, "path": page.path, "queries": queries, "scans": scans}


def measure_panel(worlds: dict[str, World], servers: dict[str, Server], repeats: int):
    """Time every panel page on the small and the large database side by side."""
    from django.contrib.auth import get_user_model

    results: dict[str, dict[str, Any]] = {size: {} for size in worlds}
    for role in ("operator", "admin"):
        pages: dict[str, list[PanelPage]] = {}
        cookies: dict[str, str] = {}
        for size, world in worlds.items():
            use_database(servers[size].database)
            user = get_user_model().objects.get(pk=getattr(world, role).pk)
            pages[size] = panel_pages(world, user)
            cookies[size] = login_cookie(user)
            for page in pages[size]:
                slug = f"{size}-{role}-{page.name}"
                slug = "".join(c if c.isalnum() else "-" for c in slug).strip("-")
                results[size][f"{role} | {page.name}"] = panel_queries(user, page, slug)
        sizes = list(worlds)
        for index, page in enumerate(pages[sizes[0]]):
            key = f"{role} | {page.name}"
            if any(results[size][key]["status"] != 200 for size in sizes):
                continue
            statuses, medians = time_pages(
                [servers[size].port for size in sizes],
                [pages[size][index].path for size in sizes],
                [cookies[size] for size in sizes],
                repeats,
            )
            for size, status, median_ms in zip(sizes, statuses, medians, strict=True):
                results[size][key]["ms"] = median_ms
                results[size][key]["http_status"] = status
            log(f"{key}: " + ", ".join(f"{m:.1f} ms" for m in medians))
    return results


# --------------------------------------------------------------------------
# Widget API


@dataclass
class Session:
    widget_token: str
    session_token: str
    last_message_id: int


def open_sessions(world: World, count: int, history: int) -> list[Session]:
    """Bootstrap ``count`` sessions through the API and send ``history`` messages in each.

    Every other message is an operator reply stored through the service, as
    the panel would, so that a resumed bootstrap returns a real history.
    """
    from django.contrib.auth import get_user_model

    from django_crm_messenger.models import Conversation
    from django_crm_messenger.services.messages import send_operator_message

    operators = {
        branch.inbox_id: get_user_model().objects.get(pk=branch.operator_id)
        for branch in world.branches
    }
    client = api_client()
    sessions = []
    for number in range(count):
        inbox = world.inboxes[number % len(world.inboxes)]
        response = post_json(
            client,
            "/api/widget/bootstrap/",
            {"widget_token": inbox.widget_token, "contact": {"name": f"Посетитель {number}"}},
        )
        if response.status_code != 200:
            raise SystemExit(f"Bootstrap failed: {response.status_code} {response.content[:300]!r}")
        body = response.json()
        token = body["widget_session_token"]
        conversation_id = body["conversation"]["id"]
        last = 0
        for k in range(history):
            if k % 2 == 0:
                sent = post_json(
                    client,
                    "/api/widget/send/",
                    {
                        "widget_token": inbox.widget_token,
                        "widget_session_token": token,
                        "body": f"Вопрос {k} о заказе {number}",
                        "client_message_id": str(uuid.uuid4()),
                    },
                )
                if sent.status_code != 201:
                    raise SystemExit(f"Send failed: {sent.status_code} {sent.content[:300]!r}")
                last = sent.json()["message"]["id"]
            else:
                conversation = Conversation.objects.get(pk=conversation_id)
                reply = send_operator_message(conversation, operators[inbox.pk], f"Ответ {k}")
                last = reply.pk
        sessions.append(Session(inbox.widget_token, token, last))
    return sessions


@dataclass
class Scenario:
    name: str
    path: str
    bodies: list[str]
    baseline: str | None = None  # name of the baseline scenario it is compared with
    target: float | None = None


def widget_scenarios(world: World, poll_sessions, send_sessions) -> list[Scenario]:
    def poll(session: Session, after: int) -> str:
        return json.dumps(
            {
                "widget_token": session.widget_token,
                "widget_session_token": session.session_token,
                "after": after,
            }
        )

    branch_ids = [b.id for b in world.branches]
    return [
        Scenario(
            "constant view (baseline)",
            "/bench/constant/",
            [poll(s, s.last_message_id) for s in poll_sessions],
        ),
        Scenario(
            "cache-read view (baseline)",
            "/bench/cache-read/",
            [poll(s, s.last_message_id) for s in poll_sessions],
        ),
        Scenario(
            "insert view (baseline)",
            "/bench/insert/",
            [
                json.dumps(
                    {
                        "branch_id": branch_ids[n % len(branch_ids)],
                        "name": "Анна",
                        "email": "anna-{{n}}@example.org",
                    }
                )
                for n in range(len(branch_ids))
            ],
        ),
        Scenario(
            "idle poll",
            "/api/widget/poll/",
            [poll(s, s.last_message_id) for s in poll_sessions],
            "constant view (baseline)",
            IDLE_POLL_TARGET,
        ),
        Scenario(
            "poll, one new message",
            "/api/widget/poll/",
            [poll(s, s.last_message_id - 1) for s in poll_sessions],
            "constant view (baseline)",
        ),
        Scenario(
            "send",
            "/api/widget/send/",
            [
                json.dumps(
                    {
                        "widget_token": s.widget_token,
                        "widget_session_token": s.session_token,
                        "body": "Есть ли доставка в Казань?",
                        "client_message_id": "{{n}}",
                    }
                )
                for s in send_sessions
            ],
            "insert view (baseline)",
            SEND_TARGET,
        ),
        Scenario(
            "new bootstrap",
            "/api/widget/bootstrap/",
            [
                json.dumps(
                    {
                        "widget_token": inbox.widget_token,
                        "contact": {"name": "Анна", "email": "anna-{{n}}@example.org"},
                        "page_url": "https://shop.example.org/delivery",
                        "locale": "ru",
                    }
                )
                for inbox in world.inboxes
            ],
            "insert view (baseline)",
        ),
        Scenario(
            "resumed bootstrap",
            "/api/widget/bootstrap/",
            [
                json.dumps(
                    {
                        "widget_token": s.widget_token,
                        "widget_session_token": s.session_token,
                        "page_url": "https://shop.example.org/delivery",
                        "locale": "ru",
                    }
                )
                for s in poll_sessions
            ],
            "constant view (baseline)",
        ),
    ]


def scenario_queries(scenario: Scenario) -> tuple[int, list[str]]:
    """Return the queries of one request of the scenario, after one warming request, and scans."""
    client = api_client()
    body = scenario.bodies[0].replace("{{n}}", uuid.uuid4().hex)
    post_json(client, scenario.path, json.loads(body))
    body = scenario.bodies[0].replace("{{n}}", uuid.uuid4().hex)
    queries, response, sqls = count_queries(
        lambda: post_json(client, scenario.path, json.loads(body))
    )
    if response.status_code >= 300:
        raise SystemExit(f"{scenario.name}: {response.status_code} {response.content[:300]!r}")
    slug = "".join(c if c.isalnum() else "-" for c in scenario.name).strip("-")
    scans = explain(sqls, RESULTS / f"explain-widget-{slug}.txt")
    return queries, scans


def median_result(results: list[WrkResult]) -> dict[str, Any]:
    return {
        "rps": statistics.median(r.rps for r in results),
        "p50_ms": statistics.median(r.p50_ms for r in results),
        "p99_ms": statistics.median(r.p99_ms for r in results),
        "runs": [round(r.rps, 1) for r in results],
        "errors": sum(r.errors for r in results),
    }


def measure_widget(
    world: World, port: int, rounds: int, seconds: int, connections: int, poll_sessions, send_sessions
) -> dict[str, Any]:
    scenarios = widget_scenarios(world, poll_sessions, send_sessions)
    measured = {s.name: scenario_queries(s) for s in scenarios}
    runs: dict[str, list[WrkResult]] = {s.name: [] for s in scenarios}

    ratios: dict[str, list[float]] = {s.name: [] for s in scenarios}

    def run(scenario: Scenario, number: int) -> WrkResult:
        result = run_wrk(port, scenario.path, scenario.bodies, seconds, connections)
        runs[scenario.name].append(result)
        log(f"round {number + 1}: {scenario.name}: {result.rps:.0f} req/s")
        return result

    log("Warming up every scenario")
    for scenario in scenarios:
        run_wrk(port, scenario.path, scenario.bodies, 2, connections)
    baselines = [s for s in scenarios if s.baseline is None]
    for number in range(rounds):
        # Each scenario runs between two runs of its baseline and is compared
        # with their mean, so that load that drifts during the round (such as
        # PostgreSQL writing out what the sends stored) hits both alike.
        for baseline in baselines:
            before = run(baseline, number)
            for scenario in scenarios:
                if scenario.baseline != baseline.name:
                    continue
                mine = run(scenario, number)
                after = run(baseline, number)
                ratios[scenario.name].append(mine.rps / ((before.rps + after.rps) / 2))
                before = after

    table = {}
    for scenario in scenarios:
        row = median_result(runs[scenario.name])
        row["queries"], row["scans"] = measured[scenario.name]
        row["baseline"] = scenario.baseline
        row["target"] = scenario.target
        if scenario.baseline:
            row["ratio"] = statistics.median(ratios[scenario.name])
        table[scenario.name] = row
    return table


def measure_scale_out(
    world: World, rounds: int, seconds: int, connections: int, poll_sessions
) -> dict[str, Any]:
    scenarios = {s.name: s for s in widget_scenarios(world, poll_sessions, [])}
    idle = scenarios["idle poll"]
    constant = scenarios["constant view (baseline)"]
    results: dict[str, list[WrkResult]] = {}
    servers = {
        1: Server(8102, 1, connections=connections).start(),
        2: Server(8103, 2, connections=connections).start(),
    }
    try:
        for workers, server in servers.items():
            run_wrk(server.port, idle.path, idle.bodies, 2, connections)
        for number in range(rounds):
            # One worker and two back to back, so that both see the same background load.
            for scenario in (idle, constant):
                for workers, server in servers.items():
                    result = run_wrk(
                        server.port, scenario.path, scenario.bodies, seconds, connections
                    )
                    results.setdefault(f"{scenario.name}, {workers} worker(s)", []).append(result)
                    log(
                        f"round {number + 1}: {scenario.name}, {workers} worker(s): "
                        f"{result.rps:.0f} req/s"
                    )
    finally:
        for server in servers.values():
            server.stop()
    table = {name: median_result(values) for name, values in results.items()}
    for name in ("idle poll", "constant view (baseline)"):
        ratios = [
            two.rps / one.rps
            for one, two in zip(
                results[f"{name}, 1 worker(s)"], results[f"{name}, 2 worker(s)"], strict=True
            )
        ]
        table[f"{name}, 2 workers / 1 worker"] = statistics.median(ratios)
    return table


# --------------------------------------------------------------------------
# Report


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def format_report(report: dict[str, Any]) -> tuple[str, list[str]]:
    """Return the printed report and the list of missed targets."""
    lines = [
        f"Machine: {report['machine']}; load average before {report['load_before']}, "
        f"after {report['load_after']}",
        f"Server: gunicorn, {report['workers']} workers x {report['threads']} threads (gthread); "
        f"wrk -t1 -c{report['connections']}, {report['seconds']} s a run, "
        f"{report['rounds']} rounds ({report['rounds'] + 2} for scale-out), medians",
        "",
    ]
    misses: list[str] = []
    if "widget" in report:
        lines += format_widget(report["widget"], misses)
    if "scale_out" in report:
        lines += format_scale_out(report["scale_out"], misses)
    if report["panel"]["small"]:
        lines += format_panel(report, misses)
    lines.append(f"EXPLAIN plans: {RESULTS}/explain-*.txt")
    lines.append("")
    if misses:
        lines.append("Targets missed:")
        lines += [f"  - {miss}" for miss in misses]
    else:
        lines.append("All targets met.")
    return "\n".join(lines), misses


def format_widget(widget: dict[str, Any], misses: list[str]) -> list[str]:
    header = (
        f"{'scenario':<28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'queries':>8} "
        f"{'ratio':>7}  target"
    )
    lines = [
        "Widget API (ratio: req/s over the mean of the baseline runs before and after,"
        " median over rounds)",
        header,
    ]
    lines.append("-" * len(header))
    for name, row in widget.items():
        ratio = f"{row['ratio']:.2f}" if "ratio" in row else "-"
        target = ""
        if row.get("target") is not None:
            ok = row["ratio"] >= row["target"] and row["errors"] == 0
            target = f">= {row['target']} x {row['baseline'].split(' (')[0]}: {verdict(ok)}"
            if not ok:
                misses.append(f"{name}: {row['ratio']:.2f} x its baseline, target {row['target']}")
        elif row.get("baseline"):
            target = f"(vs {row['baseline'].split(' (')[0]})"
        errors = f"  FAILED REQUESTS: {row['errors']}" if row["errors"] else ""
        if row["errors"] and row.get("target") is None:
            misses.append(f"{name}: {row['errors']} failed requests")
        lines.append(
            f"{name:<28} {row['rps']:>8.0f} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} "
            f"{row['queries']:>8} {ratio:>7}  {target}{errors}"
        )
        if row.get("scans"):
            lines.append(f"{'':<28} scans: {'; '.join(row['scans'])}")
    cache_read = widget.get("cache-read view (baseline)")
    if cache_read and "idle poll" in widget:
        lines.append(
            f"idle poll / cache-read view: {widget['idle poll']['rps'] / cache_read['rps']:.2f}; "
            f"cache-read / constant view: {cache_read['rps'] / widget['constant view (baseline)']['rps']:.2f}"
        )
    lines.append("")
    return lines


def format_scale_out(scale: dict[str, Any], misses: list[str]) -> list[str]:
    lines = ["Scale-out (idle poll; the constant view for reference)"]
    for name, row in scale.items():
        if isinstance(row, dict):
            lines.append(
                f"  {name:<40} {row['rps']:>8.0f} req/s  p50 {row['p50_ms']:.2f} ms  "
                f"p99 {row['p99_ms']:.2f} ms"
            )
    ratio = scale["idle poll, 2 workers / 1 worker"]
    reference = scale["constant view (baseline), 2 workers / 1 worker"]
    ok = ratio >= SCALE_OUT_TARGET
    lines.append(
        f"  idle poll, 2 workers / 1 worker: {ratio:.2f}  target >= {SCALE_OUT_TARGET}: "
        f"{verdict(ok)}  (constant view: {reference:.2f})"
    )
    if not ok:
        misses.append(f"scale-out: 2 workers give {ratio:.2f} x one worker, target {SCALE_OUT_TARGET}")
    lines.append("")
    return lines


def format_panel(report: dict[str, Any], misses: list[str]) -> list[str]:
    small, large = report["panel_sizes"]
    header = (
        f"{'page':<36} {'ms ' + format(small, ','):>10} {'ms ' + format(large, ','):>10} "
        f"{'ratio':>6} {'queries':>9}  target"
    )
    lines = [
        f"Panel: median of {report['panel_repeats']} GETs, alternating between a server on "
        f"{small:,} and one on {large:,} conversations",
        header,
        "-" * len(header),
    ]
    for key, before in report["panel"]["small"].items():
        after = report["panel"]["large"].get(key, {})
        if before.get("status") == 404 or after.get("status") == 404:
            lines.append(f"{key:<36} skipped: {before.get('path')} returns 404")
            continue
        statuses = {before.get("http_status"), after.get("http_status")}
        if "ms" not in before or "ms" not in after or statuses != {200}:
            lines.append(
                f"{key:<36} status {before.get('status')}/{before.get('http_status')} and "
                f"{after.get('status')}/{after.get('http_status')} for {before.get('path')}"
            )
            misses.append(f"panel {key}: status {before.get('status')} / {after.get('status')}")
            continue
        ratio = after["ms"] / before["ms"]
        same = before["queries"] == after["queries"]
        ok = ratio <= PANEL_SCALE_TARGET and same
        lines.append(
            f"{key:<36} {before['ms']:>10.1f} {after['ms']:>10.1f} {ratio:>6.2f} "
            f"{before['queries']:>4}/{after['queries']:<4}  {verdict(ok)}"
        )
        if after["scans"]:
            lines.append(f"{'':<36} scans: {'; '.join(after['scans'])}")
        if not ok:
            misses.append(
                f"panel {key}: {ratio:.2f} x the time at {small:,}, "
                f"queries {before['queries']} -> {after['queries']}"
            )
    lines.append("")
    return lines


# --------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 round of 4 s, 20,000 conversations")
    parser.add_argument("--rounds", type=int, help="rounds per scenario (default 5, quick 1)")
    parser.add_argument("--seconds", type=int, help="seconds per wrk run (default 6, quick 4)")
    # Each worker takes the connections it accepts first, so with only a few
    # keep-alive connections one worker of two can end up with most of them.
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (2)")
    parser.add_argument("--conversations", type=int, help="large panel size (100,000)")
    parser.add_argument("--skip-panel", action="store_true", help="widget API and scale-out only")
    parser.add_argument("--panel-only", action="store_true", help="the panel at scale only")
    args = parser.parse_args()

    rounds = args.rounds or (1 if args.quick else 5)
    seconds = args.seconds or (4 if args.quick else 6)
    large = args.conversations or (20_000 if args.quick else 100_000)
    small = 1_000
    repeats = 5 if args.quick else 21
    RESULTS.mkdir(exist_ok=True)
    for old in RESULTS.glob("explain-*.txt"):
        old.unlink()
    (RESULTS / "server.log").write_text("")

    report: dict[str, Any] = {
        "machine": f"{os.cpu_count()} cores, "
        f"{round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB",
        "load_before": load_average(),
        "rounds": rounds,
        "seconds": seconds,
        "connections": args.connections,
        "workers": args.workers,
        "threads": args.threads,
        "panel_sizes": [small, large],
        "panel_repeats": repeats,
    }

    log(f"Recreating databases {SMALL_DB_NAME} and {DB_NAME}, clearing Redis {REDIS_URL}")
    recreate_databases(SMALL_DB_NAME, DB_NAME)
    setup_django()

    import loader

    worlds: dict[str, World] = {}
    for size, name in (("small", SMALL_DB_NAME), ("large", DB_NAME)):
        use_database(name)
        migrate()
        worlds[size] = seed()
        log(f"Loading {small:,} conversations into {name}")
        loader.load(worlds[size].branches, small, small * 10)
    if not args.skip_panel:
        from datetime import timedelta

        from django.utils import timezone

        more = large - small
        log(f"Loading {more:,} more conversations and {more * 10:,} messages into {DB_NAME}")
        # The extra rows are older than the first thousand, so the first
        # page of the list shows the same conversations at both sizes.
        loaded = loader.load(
            worlds["large"].branches,
            more,
            more * 10,
            end=timezone.now() - timedelta(days=91),
            span=timedelta(days=365),
        )
        report["load"] = loaded
        log(f"Loaded in {loaded['total_seconds']:.1f} s (COPY {loaded['load_seconds']:.1f} s)")

    world = worlds["large"]
    server = Server(
        8101, args.workers, args.threads, database=DB_NAME, connections=args.connections
    )
    small_server = Server(8111, args.workers, args.threads, database=SMALL_DB_NAME, prefix="1k")
    try:
        server.start()
        if args.skip_panel:
            report["panel"] = {"small": {}, "large": {}}
        else:
            small_server.start()
            log("Timing the panel")
            report["panel"] = measure_panel(
                worlds, {"small": small_server, "large": server}, repeats
            )
            small_server.stop()
        use_database(DB_NAME)
        if args.panel_only:
            return finish(report)

        log("Opening widget sessions")
        poll_sessions = open_sessions(world, 64, history=3)
        send_sessions = open_sessions(world, 64, history=1)
        report["widget"] = measure_widget(
            world, 8101, rounds, seconds, args.connections, poll_sessions, send_sessions
        )
    finally:
        small_server.stop()
        server.stop()

    log("Scale-out")
    # Two more rounds than the rest: the ratio of two throughputs measured
    # one after the other is the noisiest number here.
    report["scale_out"] = measure_scale_out(
        world, rounds + 2, seconds, args.connections, poll_sessions
    )
    return finish(report)


def finish(report: dict[str, Any]) -> int:
    report["load_after"] = load_average()
    text, misses = format_report(report)
    print(text)
    (RESULTS / "latest.txt").write_text(text + "\n")
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
