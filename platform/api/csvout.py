"""CSV out of WildNet: one rule for cells a spreadsheet could run, one way to stream the lines.

Every CSV the platform writes (compliance figures, the national report, search exports) goes through here, so
the CSV-injection rule (OWASP: a cell starting with ``= + - @``, a tab or a carriage return is read as a
formula) cannot be forgotten by one of them.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """``value`` with a leading quote when a spreadsheet would read it as a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


class _Echo:
    """The file ``csv.writer`` needs, handing each formatted line back instead of buffering it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """Each row formatted as one CSV line, lazily: what a ``StreamingHttpResponse`` takes."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(row)
