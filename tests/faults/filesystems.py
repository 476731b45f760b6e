"""Real filesystem constraints for the fault tests: a folder made read-only, a filesystem that is full.

Permission bits do not stop root, and the tests (like CI) may run as root: there a folder is made read-only by
a read-only bind mount of itself (the kernel answers ``EROFS``), and "full" is a tmpfs of a few kilobytes
(``ENOSPC``). Without root, read-only is the permission bits (``EACCES``) and a tiny filesystem cannot be
mounted, so the test that needs one skips. No storage class is replaced: the product writes through its own
code into a folder the kernel refuses to fill.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _mount(*args: str) -> None:
    result = subprocess.run(["mount", *args], capture_output=True, text=True, timeout=30, check=False)
    if result.returncode:
        pytest.skip(f"mount {' '.join(args)} failed ({result.stderr.strip()}): the test needs root with mount")


def _umount(path: Path) -> None:
    subprocess.run(["umount", str(path)], capture_output=True, text=True, timeout=30, check=True)


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """``path`` and everything below it refuse writes until the block ends."""
    if os.geteuid() != 0:
        folders = [path, *(p for p in path.rglob("*") if p.is_dir())]
        modes = {folder: folder.stat().st_mode for folder in folders}
        for folder in folders:
            folder.chmod(0o555)
        try:
            yield
        finally:
            for folder, mode in modes.items():
                folder.chmod(mode)
        return
    _mount("--bind", str(path), str(path))
    try:
        _mount("-o", "remount,bind,ro", str(path))
        yield
    finally:
        _umount(path)


@contextlib.contextmanager
def tiny_filesystem(path: Path, size_kb: int) -> Iterator[Path]:
    """A tmpfs of ``size_kb`` kilobytes mounted on ``path``: writes past that fail with ``ENOSPC``."""
    if os.geteuid() != 0:
        pytest.skip("a full filesystem is a tmpfs of a few kilobytes, and mounting one needs root")
    path.mkdir(parents=True, exist_ok=True)
    _mount("-t", "tmpfs", "-o", f"size={size_kb}k,mode=0755", "tmpfs", str(path))
    try:
        yield path
    finally:
        _umount(path)
