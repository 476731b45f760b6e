"""Load benchmark of the case detail through gunicorn (issue 18 "Speed"). Not a test: run with `make bench-load`.

The issue measured 48 requests/s and a p99 of 1.3 s for the case detail at 32 concurrent clients, and asks for
at least 250 requests/s with a p99 within 150 ms. On the data of bench_graphql.py (a fresh PostgreSQL database
named by DATABASE_URL, default ``wildnet_bench_gql``: the demo world plus 2,000 cases of fr-ofb with 10 listings
each, their claims and reports) this script

* issues an API token to inv.ofb (scope read) and starts gunicorn serving ``wildnet.wsgi`` on a free port of
  127.0.0.1 with the production image's flags (``wildnet.serving.FairThreadWorker``, keep-alive, max-requests),
  the number of workers and threads given on the command line (``--worker-class gthread`` measures gunicorn's own
  threaded worker instead);
* with wrk (``deploy/wrk.sh`` installs Debian's; the issue's own choice: C, one event loop, a few microseconds of
  CPU a request where a Python generator took 0.5 ms of the same two cores and added its interpreter's waits
  to what it timed), sends the case-detail query of bench_graphql.py (``node(id)`` of one case with its
  listings, claims and reports) as ``POST /graphql/`` with ``Authorization: Bearer`` and
  ``X-WildNet-Purpose: investigation`` over 1, 8 and 32 keep-alive connections, each sending its next request
  as soon as the last answer is read, for a fixed duration per level after a warm-up;
* checks the first answer in content (status 200, no errors, the case with its 10 listings, claims and
  reports) and has wrk (``bench_load.lua``) require every later answer to be those exact bytes, and reports
  throughput, latency percentiles, and the CPU the load generator, the gunicorn processes, PostgreSQL's
  processes and the whole machine used, so that a generator or a machine at its limit shows in the figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wildnet_bench_gql .venv/bin/python \\
        tests/benchmarks/bench_load.py --duration 20 --workers 4 --threads 1
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_graphql import DEFAULT_DATABASE, DETAIL, LISTINGS_PER_CASE, PURPOSE, VIEWER, setup_world

REPO = Path(__file__).resolve().parents[2]
TARGET_CLIENTS, TARGET_RATE, TARGET_P99 = 32, 250.0, 150.0
PRODUCTION_WORKER = "wildnet.serving.FairThreadWorker"  # deploy/Dockerfile
WRK_SCRIPT = Path(__file__).with_name("bench_load.lua")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_gunicorn(port: int, workers: int, threads: int, log: Path,
                   worker_class: str = PRODUCTION_WORKER) -> subprocess.Popen[bytes]:
    """gunicorn with the production image's flags (deploy/Dockerfile) but no access log, ready to serve."""
    env = {"DATABASE_CONN_MAX_AGE": "60", "WILDNET_AUDIT_SEAL_INTERVAL_MS": "500",  # production's defaults
           **os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "platform"), str(REPO)])}
    command = [sys.executable, "-m", "gunicorn", "wildnet.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--worker-class", worker_class, "--threads", str(threads),
               "--timeout", "60", "--graceful-timeout", "30", "--keep-alive", "5", "--max-requests", "10000",
               "--max-requests-jitter", "1000", "--worker-tmp-dir", "/dev/shm", "--preload", "--log-level", "warning"]
    with log.open("wb") as output:
        server = subprocess.Popen(command, cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer /healthz within 60 s:\n{log.read_text()[-3000:]}")


def process_tree_cpu(pid: int) -> float:
    """CPU seconds used so far by ``pid`` and its children (gunicorn's master and workers): the living ones', and
    those of workers gunicorn has replaced (``--max-requests``), which the master's ``cutime``/``cstime`` keep."""
    total = 0.0
    pids = [pid]
    with contextlib.suppress(OSError):  # the server has exited: its own figure is all there is
        pids += [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for each in pids:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
        if each == pid:
            total += (int(fields[13]) + int(fields[14])) / CLOCK_TICKS  # cutime, cstime: children reaped
    return total


def postgres_cpu() -> dict[int, float]:
    """CPU seconds used so far by each PostgreSQL process of this machine (its backends, the server's own), from
    /proc: none when PostgreSQL runs elsewhere. ``postgres_cpu_since`` makes a level's figure of two of them."""
    used = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() not in ("postgres", "postmaster"):
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[int(entry.name)] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return used


def postgres_cpu_since(before: dict[int, float]) -> float:
    """The CPU PostgreSQL's processes used since ``before``: those alive at the end, from their start if they
    started meanwhile. A backend that ended meanwhile (gunicorn replaces a connection after
    DATABASE_CONN_MAX_AGE) takes its share with it, so the figure is a lower bound."""
    return sum(used - before.get(pid, 0.0) for pid, used in postgres_cpu().items())


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values) - idle) / CLOCK_TICKS, sum(values) / CLOCK_TICKS


def first_answer(port: int, token: str, body: bytes, expected: dict[str, Any]) -> bytes:
    """One answer, checked in content: wrk then requires every answer of the run to be exactly these bytes."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("POST", "/graphql/", body, {"Content-Type": "application/json",
                                                       "Authorization": f"Bearer {token}",
                                                       "X-WildNet-Purpose": PURPOSE})
        response = connection.getresponse()
        payload = response.read()
    finally:
        connection.close()
    problem = check(response.status, payload, expected)
    if problem:
        raise SystemExit(f"the first answer is wrong: {problem}")
    return payload


def check(status: int, payload: bytes, expected: dict[str, Any]) -> str:
    """What is wrong with one answer, or ``""``: the load must never be measured on error responses."""
    if status != 200:
        return f"status {status}: {payload[:200]!r}"
    try:
        node = json.loads(payload)["data"]["node"]
        shape = (node["reference"], len(node["listings"]), len(node["entityLinks"]), len(node["reports"]))
    except (ValueError, KeyError, TypeError):
        return f"unexpected body: {payload[:300]!r}"
    wanted = (expected["reference"], LISTINGS_PER_CASE, expected["claims"], expected["reports"])
    return "" if shape == wanted else f"unexpected case {shape}, expected {wanted}"


def run_level(wrk: str, server: subprocess.Popen[bytes], port: int, arguments: list[str], clients: int,
              duration: float) -> dict[str, Any]:
    """One level of concurrency: wrk's figures (``bench_load.lua``) with the server's, wrk's and the machine's
    CPU meanwhile. One wrk thread holds the ``clients`` keep-alive connections and sends each connection's next
    request as soon as its answer is read (a closed loop, as clients waiting on their answers do)."""
    command = [wrk, "--connections", str(clients), "--threads", "1", "--duration", f"{duration:g}s",
               "--timeout", "60s", "--script", str(WRK_SCRIPT), f"http://127.0.0.1:{port}/graphql/", "--",
               *arguments]
    server_before, machine_before, postgres_before = process_tree_cpu(server.pid), machine_cpu(), postgres_cpu()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    finished = subprocess.run(command, capture_output=True, text=True, timeout=duration + 120, check=False)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu, database_cpu = process_tree_cpu(server.pid) - server_before, postgres_cpu_since(postgres_before)
    busy, total = (after - before for after, before in zip(machine_cpu(), machine_before, strict=True))
    lines = [line for line in finished.stdout.splitlines() if line.startswith("{")]
    if finished.returncode != 0 or not lines:
        raise SystemExit(f"wrk failed ({finished.returncode}): {finished.stderr or finished.stdout}")
    outcome: dict[str, Any] = json.loads(lines[-1])
    outcome.update(clients=clients, server_cpu=server_cpu, database_cpu=database_cpu,
                   machine_busy=busy / total if total else 0.0,
                   generator_cpu=(children.ru_utime - children_before.ru_utime)
                   + (children.ru_stime - children_before.ru_stime))
    outcome["failed"] = outcome["wrong"] + outcome["socket_errors"] + outcome["timeouts"]
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=20.0, help="Seconds of load per level.")
    parser.add_argument("--warm-up", type=float, default=5.0, help="Seconds of untimed load first.")
    parser.add_argument("--clients", default="1,8,32", help="Levels of concurrency, comma-separated.")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes.")
    parser.add_argument("--threads", type=int, default=1, help="Threads per gunicorn worker.")
    parser.add_argument("--worker-class", default=PRODUCTION_WORKER, help="gunicorn's --worker-class.")
    args = parser.parse_args()
    levels = [int(level) for level in args.clients.split(",")]
    world = setup_world(DEFAULT_DATABASE)

    from django.db import connection
    from graphql_relay import to_global_id

    from cases.models import Case
    from officers.actions import issue_token
    from officers.models import Officer

    case = Case.objects.get(pk=world["case_ids"][len(world["case_ids"]) // 2])
    expected = {"reference": case.reference, "claims": case.entity_links.count(), "reports": case.reports.count()}
    _, token = issue_token(Officer.objects.get(username=VIEWER), name="bench_load", scopes=["read"])
    body = json.dumps({"query": DETAIL, "variables": {"id": to_global_id("Case", case.pk)}}).encode()
    connection.close()

    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed: make bench-load installs it (deploy/wrk.sh)")
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="wildnet-bench-load-"))
    log = folder / "gunicorn.log"
    server = start_gunicorn(port, args.workers, args.threads, log, args.worker_class)
    try:
        (folder / "request.json").write_bytes(body)
        (folder / "answer.json").write_bytes(first_answer(port, token, body, expected))
        arguments = [str(folder / "request.json"), str(folder / "answer.json"), token, PURPOSE]
        warm = run_level(wrk, server, port, arguments, max(levels), args.warm_up)
        if warm["failed"]:
            raise SystemExit(f"the warm-up failed: {warm}")
        outcomes = [run_level(wrk, server, port, arguments, clients, args.duration) for clients in levels]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    report(outcomes, args, log)


def per_request(outcome: dict[str, Any], key: str) -> str:
    return f"{outcome[key] / outcome['requests'] * 1000:.2f}" if outcome["requests"] else "-"


def report(outcomes: list[dict[str, Any]], args: argparse.Namespace, log: Path) -> None:
    print(f"gunicorn wildnet.wsgi: {args.workers} workers ({args.worker_class}) x {args.threads} threads, keep-alive; "
          f"{os.cpu_count()} CPUs; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end")
    print(f"request: case detail (node(id) + 10 listings, claims, reports) as {VIEWER}, API token, purpose "
          f"{PURPOSE}; {args.duration:.0f} s per level after {args.warm_up:.0f} s of warm-up")
    print()
    print("| clients | requests | req/s | p50 | p95 | p99 | max | failed | reconnected | generator CPU | "
          "gunicorn CPU | machine busy | CPU a request: gunicorn / PostgreSQL / wrk |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for outcome in outcomes:
        seconds = outcome["seconds"]
        outcome["rate"] = outcome["requests"] / seconds
        print(f"| {outcome['clients']} | {outcome['requests']:,} | {outcome['rate']:.1f} | {outcome['p50']:.1f} ms | "
              f"{outcome['p95']:.1f} ms | {outcome['p99']:.1f} ms | {outcome['max']:.1f} ms | {outcome['failed']} | "
              f"{outcome['closed']} | {outcome['generator_cpu'] / seconds:.0%} of a core | "
              f"{outcome['server_cpu'] / seconds:.0%} of a core | {outcome['machine_busy']:.0%} | "
              f"{per_request(outcome, 'server_cpu')} / {per_request(outcome, 'database_cpu')} / "
              f"{per_request(outcome, 'generator_cpu')} ms |")
    for outcome in outcomes:
        if outcome["failed"]:
            print(f"failed at {outcome['clients']} clients: {outcome['wrong']} wrong answers (first: "
                  f"{outcome['example']!r}), {outcome['socket_errors']} socket errors, {outcome['timeouts']} timeouts")
    top = next((o for o in outcomes if o["clients"] == TARGET_CLIENTS), None)
    if top is not None:
        met = top["rate"] >= TARGET_RATE and top["p99"] <= TARGET_P99 and not top["failed"]
        print()
        print(f"target at {TARGET_CLIENTS} clients: >= {TARGET_RATE:.0f} req/s and p99 <= {TARGET_P99:.0f} ms -> "
              f"{top['rate']:.1f} req/s, p99 {top['p99']:.1f} ms: {'met' if met else 'NOT met'}")
    errors = [line for line in log.read_text().splitlines() if "Traceback" in line or "ERROR" in line]
    if errors:
        print(f"gunicorn log ({log}) holds {len(errors)} error lines")
    if any(outcome["failed"] for outcome in outcomes):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
