"""The production profile: refuses to start unsafely and passes Django's deployment checks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WILDNET = str(Path(sys.executable).parent / "wildnet")


#: A secret key that passes Django's deployment checks.
SECRET_KEY = "k9Qy3-vN2rT8pLxW4mZ7bH1cJ6fD0sA5eG-uR8iO3tY2wE9qK4zX7nM1vB6"


def production(tmp_path: Path, **env: str) -> dict[str, str]:
    """The environment of a production process on a throwaway SQLite database, with ``env`` on top."""
    return {"PATH": "/usr/bin:/bin", "WILDNET_VAR_DIR": str(tmp_path), "DJANGO_ENV": "production",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}", "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
            "DJANGO_ALLOWED_HOSTS": "wildnet.example.org", **env}


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([WILDNET, *args], capture_output=True, text=True, env=production(tmp_path, **env), cwd=ROOT)


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = run(["check"], tmp_path)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_production_passes_check_deploy(tmp_path: Path) -> None:
    result = run(["check", "--deploy", "--fail-level", "WARNING"], tmp_path, DJANGO_SECRET_KEY=SECRET_KEY,
                 WILDNET_AUDIT_KEY="a" * 64)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_turns_off_debug_graphiql_and_introspection(tmp_path: Path) -> None:
    script = ("from django.conf import settings as s; import json; "
              "print(json.dumps([s.DEBUG, s.GRAPHIQL_ENABLED, "
              "s.GRAPHQL_INTROSPECTION, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0]))")
    result = run(["shell", "-c", script], tmp_path, DJANGO_SECRET_KEY="x" * 60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [False, False, False, True, True]


def test_unknown_profile_is_refused(tmp_path: Path) -> None:
    result = run(["check"], tmp_path, DJANGO_ENV="staging")
    assert result.returncode != 0
    assert "DJANGO_ENV must be" in result.stderr


def test_production_requires_a_second_factor_whatever_the_environment_says(tmp_path: Path) -> None:
    script = "from django.conf import settings as s; print(s.SECOND_FACTOR_REQUIRED)"
    result = run(["shell", "-c", script], tmp_path, DJANGO_SECRET_KEY="x" * 60, WILDNET_SECOND_FACTOR_REQUIRED="false")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True"


def test_importing_the_wsgi_application_opens_nothing_a_forked_worker_would_share(tmp_path: Path) -> None:
    """gunicorn runs with ``--preload`` (deploy/Dockerfile): its master imports ``wildnet.wsgi`` and forks the
    workers from it. A connection opened or a thread started during that import would be shared by every worker
    (a socket two processes talk over) or missing from all of them (threads do not survive ``fork``)."""
    script = (
        "import json, gc, threading, wildnet.wsgi\n"
        "from django.db import connections\n"
        "from django.core.cache import caches\n"
        "print(json.dumps({'databases': [c.alias for c in connections.all(initialized_only=True)"
        " if c.connection is not None], 'caches': len(caches.all(initialized_only=True)),"
        " 'threads': threading.active_count(), 'frozen': gc.get_freeze_count(),"
        " 'thresholds': gc.get_threshold()}))\n"
    )
    env = production(tmp_path, PYTHONPATH=f"{ROOT / 'platform'}:{ROOT}", DJANGO_SECRET_KEY=SECRET_KEY,
                     WILDNET_AUDIT_KEY="a" * 64)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    state = json.loads(result.stdout.strip().splitlines()[-1])
    assert state["databases"] == [] and state["caches"] == 0 and state["threads"] == 1
    assert state["frozen"] > 100_000  # the settled heap: the import did load the URLconf and the schema
    assert state["thresholds"][0] >= 10_000  # and what requests allocate is collected less often than every 700
