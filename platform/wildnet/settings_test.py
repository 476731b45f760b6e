"""Settings for the test suite: the ``test`` profile whatever the shell says, so that a bare ``pytest``
behaves like ``make test`` (fast password hashing, quiet logs)."""

import os

os.environ["DJANGO_ENV"] = "test"

from .settings import *  # noqa: F403
