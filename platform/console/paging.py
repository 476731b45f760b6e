"""Paging parameters of console lists."""

from __future__ import annotations

from django.http import HttpRequest

PAGE_SIZES = (20, 50, 100)


def page_size(request: HttpRequest) -> int:
    """The page size asked for, if it is one the console offers; else the first."""
    try:
        size = int(request.GET.get("size", PAGE_SIZES[0]))
    except ValueError:
        return PAGE_SIZES[0]
    return size if size in PAGE_SIZES else PAGE_SIZES[0]
