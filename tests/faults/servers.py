"""Private, real server processes that a fault test may stop, fill or restart without touching anyone else's.

The shared PostgreSQL and Redis of ``make services`` serve every engineer on the machine: a test never stops
them. It starts its own instance here instead, on a free loopback port, from the same Debian binaries, and
throws it away afterwards. A test that needs one skips, saying so, when the binaries are not installed.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CELERY = str(BIN / "celery")
PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], bool], seconds: float = 60, step: float = 0.05) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
        return True
    return False


#: The output files of the processes started by ``start_worker``, by process id (read by ``stop_process``).
LOGS: dict[int, IO[str]] = {}


def stop_process(process: subprocess.Popen[Any], timeout: float = 20) -> str:
    """Terminate a process this test started (by its own handle) and return what it printed."""
    if process.poll() is None:
        process.terminate()
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate(timeout=timeout)
    return _printed(process, output)


def _printed(process: subprocess.Popen[Any], piped: str | None) -> str:
    """What a stopped process printed: its log file's content when it had one, else what its pipe held."""
    log = LOGS.pop(process.pid, None)
    if log is None:
        return piped or ""
    with log:
        log.seek(0)
        return log.read()


# --- PostgreSQL -------------------------------------------------------------------------------------------


def postgres_bin() -> Path:
    for folder in reversed(PG_BIN_DIRS):
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    pytest.skip("PostgreSQL binaries not installed (/usr/lib/postgresql/*/bin): run `make services` first")


class PrivatePostgres:
    """A throwaway PostgreSQL cluster on a free port, stoppable and restartable at will.

    initdb and postgres refuse to run as root, so when the test runs as root the cluster belongs to the
    ``postgres`` system user that Debian's package creates with the binaries. Durability is off (fsync,
    synchronous commit): the faults injected here are restarts of the server, not of the machine, and a clean
    or fast shutdown writes everything anyway.
    """

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="wildnet-faults-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.user: str | None = None
        if os.geteuid() == 0:
            try:
                entry = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("running as root and there is no `postgres` system user to run a private cluster")
            self.user = "postgres"
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync",
                  "--encoding=UTF8", "--locale=C")
        settings = {"listen_addresses": "'127.0.0.1'", "port": str(self.port),
                    "unix_socket_directories": f"'{self.root}'", "fsync": "off", "synchronous_commit": "off",
                    "full_page_writes": "off", "max_connections": "120", "jit": "off"}
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def _run(self, tool: str, *args: str) -> str:
        command = [str(self.bin / tool), *args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode:
            raise RuntimeError(f"{tool} failed: {result.stdout}{result.stderr}")
        return result.stdout

    def start(self) -> float:
        """Start the server and return how long it took to accept connections."""
        began = time.monotonic()
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")
        assert wait_until(lambda: listening(self.port), 30)
        return time.monotonic() - began

    def stop(self, mode: str = "fast") -> None:
        """``fast`` ends every session and rolls back open transactions; ``immediate`` is a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def url(self, database: str, **params: str) -> str:
        query = "&".join(f"{key}={value}" for key, value in params.items())
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}" + (f"?{query}" if query else "")

    def psql(self, database: str, sql: str) -> str:
        result = subprocess.run(
            [str(self.bin / "psql"), "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
             str(self.port), "-U", "postgres", "-d", database, "-c", sql],
            capture_output=True, text=True, timeout=60, check=False)
        if result.returncode:
            raise RuntimeError(result.stderr)
        return result.stdout.strip()

    def copy_database(self, source: dict[str, Any], database: str) -> None:
        """Create ``database`` here as a copy (schema and rows) of the Django database ``source``."""
        self.psql("postgres", f'CREATE DATABASE "{database}"')
        dump = subprocess.Popen(
            [str(self.bin / "pg_dump"), "--no-owner", "--no-privileges", "-h", source["HOST"] or "127.0.0.1",
             "-p", str(source["PORT"] or 5432), "-U", source["USER"] or "postgres", source["NAME"]],
            stdout=subprocess.PIPE)
        restore = subprocess.run(
            [str(self.bin / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port),
             "-U", "postgres", "-d", database], stdin=dump.stdout, capture_output=True, text=True, timeout=120,
            check=False)
        assert dump.stdout is not None
        dump.stdout.close()
        assert dump.wait(timeout=60) == 0 and restore.returncode == 0, restore.stderr

    def destroy(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    try:
        server.start()
        yield server
    finally:
        server.destroy()


# --- Redis ------------------------------------------------------------------------------------------------


class PrivateRedis:
    """A Redis without persistence on a free port, as the broker of one test: a restart loses what it held."""

    def __init__(self) -> None:
        if not Path(REDIS_SERVER).exists():
            pytest.skip("redis-server not installed: run `make services` first")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> float:
        began = time.monotonic()
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert wait_until(lambda: listening(self.port), 30), "redis-server did not start"
        return time.monotonic() - began

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None


@contextlib.contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    try:
        server.start()
        yield server
    finally:
        server.stop()


# --- SMTP -------------------------------------------------------------------------------------------------


class SmtpSink:
    """The SMTP server of ``tests/faults/smtp_sink.py`` in its own process: while ``refuse_flag`` exists it
    answers ``451`` to the recipients it lists (to every recipient when it is empty); it accepts the others and
    appends each message it accepts to ``mailbox``."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.mailbox = folder / "mailbox.jsonl"
        self.refuse_flag = folder / "refuse"
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("smtp_sink.py")), "--port", str(self.port),
             "--mailbox", str(self.mailbox), "--refuse-while", str(self.refuse_flag)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert wait_until(lambda: listening(self.port), 30), "the SMTP sink did not start"

    def refuse(self, *addresses: str) -> None:
        self.refuse_flag.write_text("".join(f"{address}\n" for address in addresses))

    def accept(self) -> None:
        self.refuse_flag.unlink(missing_ok=True)

    def received(self) -> list[dict[str, Any]]:
        if not self.mailbox.exists():
            return []
        return [json.loads(line) for line in self.mailbox.read_text().splitlines() if line.strip()]

    def deliveries(self) -> Counter[tuple[str, str]]:
        """How many times each (recipient, subject) arrived."""
        return Counter((to, message["subject"]) for message in self.received() for to in message["to"])

    def stop(self) -> str:
        return stop_process(self.process) if self.process is not None else ""


@contextlib.contextmanager
def smtp_sink(folder: Path) -> Iterator[SmtpSink]:
    sink = SmtpSink(folder)
    try:
        sink.start()
        yield sink
    finally:
        sink.stop()


# --- Celery worker ----------------------------------------------------------------------------------------


def worker_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a worker or a Django command: this checkout, the test profile, ``database_url``."""
    env = {key: value for key, value in os.environ.items() if key != "CELERY_BROKER_URL"}
    env.update({"DJANGO_SETTINGS_MODULE": "wildnet.settings", "DJANGO_ENV": "test", "DATABASE_URL": database_url,
                "PYTHONPATH": f"{ROOT / 'platform'}{os.pathsep}{ROOT}"})
    env.update(extra)
    return env


def start_worker(env: dict[str, str], queue: str | None = None, *,
                 beat_schedule: Path | None = None) -> subprocess.Popen[str]:
    """A real Celery worker (solo pool); on its own ``queue`` when it shares the broker with other tests; with
    ``beat_schedule``, beat runs inside it (beat sends to the default queue: use a private broker then)."""
    command = [CELERY, "-A", "wildnet", "worker", "--pool=solo", "--loglevel=WARNING", "--without-mingle",
               "--without-gossip", "--without-heartbeat"]
    if queue is not None:
        command += ["-Q", queue]
    if beat_schedule is not None:
        command += ["--beat", f"--schedule={beat_schedule}"]
    # Output to a file, not a pipe: nobody reads a pipe while the test runs, and a worker that logs a traceback a
    # second (beat refused by a read-only broker) fills its 64 KiB and then blocks on its next log line.
    log = tempfile.TemporaryFile("w+")  # noqa: SIM115  (closed by stop_process or kill, which read it)
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    LOGS[process.pid] = log
    return process


def start_web(env: dict[str, str], threads: int, log: Path) -> tuple[subprocess.Popen[str], str]:
    """gunicorn serving WildNet as in production (``deploy/``): one process, ``threads`` request threads, each
    with its own database connection, its output in ``log``; returns the process and its base URL once it
    accepts connections."""
    port = free_port()
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "wildnet.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--threads", str(threads), "--timeout", "60"], env=env, cwd=ROOT, stdout=output,
            stderr=subprocess.STDOUT, text=True)
    if not wait_until(lambda: listening(port), 60):
        stop_process(process)
        raise RuntimeError(f"gunicorn did not start: {log.read_text()}")
    return process, f"http://127.0.0.1:{port}"


def kill(process: subprocess.Popen[str]) -> str:
    """SIGKILL a process this test started, and reap it."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    output, _ = process.communicate(timeout=30)
    return _printed(process, output)


def django_command(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``wildnet <args>`` in its own process, as a web request or an operator would run it."""
    return subprocess.run([str(BIN / "wildnet"), *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, check=False)
