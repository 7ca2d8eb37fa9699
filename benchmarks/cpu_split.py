"""Show where the CPU time of each widget request goes: server workers, PostgreSQL, Redis.

Run after ``benchmarks/run`` has created ``.venv``::

    .venv/bin/python benchmarks/cpu_split.py

It recreates its own database (``messenger_bench_cpu``) with 1,000
conversations and starts one gunicorn server with the benchmark settings.
For each request type it runs wrk for 8 seconds, then divides the CPU time
that each group of processes used (read from /proc) by the requests served.
Other work on the machine, such as a test run that uses the same PostgreSQL
server, is counted too, so run it on an otherwise idle machine.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("BENCH_DB_NAME", "messenger_bench_cpu")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench
import loader

SECONDS = 8
PORT = 8121
REQUESTS = ["insert view (baseline)", "send", "constant view (baseline)", "idle poll"]


def process_group(command: str, name: str) -> str:
    if "gunicorn" in command:
        return "workers"
    if name.startswith("postgres"):
        return "PostgreSQL"
    if name.startswith("redis"):
        return "Redis"
    return "other"


def cpu_seconds_by_process() -> dict[str, tuple[str, float]]:
    """Return each process's group and the user and system CPU seconds it has used."""
    ticks = os.sysconf("SC_CLK_TCK")
    found: dict[str, tuple[str, float]] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            command = Path(f"/proc/{pid}/cmdline").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        found[pid] = (process_group(command, name), (int(fields[11]) + int(fields[12])) / ticks)
    return found


def cpu_used_by_group(
    before: dict[str, tuple[str, float]], after: dict[str, tuple[str, float]]
) -> dict[str, float]:
    """Sum, per group, the CPU seconds used between the two readings by processes in both."""
    used: dict[str, float] = {}
    for pid, (group, seconds) in after.items():
        if pid in before:
            used[group] = used.get(group, 0.0) + seconds - before[pid][1]
    return used


def main() -> None:
    bench.recreate_databases(bench.DB_NAME)
    bench.setup_django()
    bench.use_database(bench.DB_NAME)
    bench.migrate()
    world = bench.seed()
    loader.load(world.branches, 1000, 10000)
    server = bench.Server(PORT, 2, 2, database=bench.DB_NAME, connections=16)
    server.start()
    try:
        sends = bench.open_sessions(world, 64, history=1)
        polls = bench.open_sessions(world, 64, history=3)
        scenarios = {s.name: s for s in bench.widget_scenarios(world, polls, sends)}
        print(f"CPU time per request, over {SECONDS} s of wrk each (µs)")
        for name in REQUESTS:
            scenario = scenarios[name]
            bench.run_wrk(PORT, scenario.path, scenario.bodies, 2, 16)
            before = cpu_seconds_by_process()
            result = bench.run_wrk(PORT, scenario.path, scenario.bodies, SECONDS, 16)
            used = cpu_used_by_group(before, cpu_seconds_by_process())
            served = result.rps * SECONDS
            split = {
                group: 1e6 * used[group] / served
                for group in ("workers", "PostgreSQL", "Redis")
                if group in used
            }
            shares = "  ".join(f"{group} {value:6.0f}" for group, value in split.items())
            print(f"{name:26s} {result.rps:6.0f} req/s  {shares}", flush=True)
            time.sleep(1)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
