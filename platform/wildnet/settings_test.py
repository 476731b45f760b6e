"""Settings for the test suite: the ``test`` profile whatever the shell says, so that a bare ``pytest``
behaves like ``make test`` (fast password hashing, quiet logs).

Under pytest-xdist (``make test`` runs one test process per core) each process gets a run-time folder of its own:
the filesystem broker, the mail folder, media and the SQLite files. Set in the environment, so that the Celery
workers and commands a test starts inherit it: a worker one process starts never takes another's messages.
"""

import os
from pathlib import Path

os.environ["DJANGO_ENV"] = "test"
if os.environ.get("PYTEST_XDIST_WORKER") and not os.environ.get("WILDNET_XDIST_VAR_DIR"):
    _var = Path(os.environ.get("WILDNET_VAR_DIR", Path(__file__).resolve().parents[2] / "var"))
    os.environ["WILDNET_VAR_DIR"] = os.environ["WILDNET_XDIST_VAR_DIR"] = str(
        _var / "xdist" / os.environ["PYTEST_XDIST_WORKER"])

from .settings import *  # noqa: F403
