"""``deploy/vendor_assets.py``: pinned npm files, checked before they are written, fetched only when missing.

No network: the download is replaced by an in-memory tarball.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import re
import sys
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("vendor_assets", ROOT / "deploy" / "vendor_assets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


vendor = load_script()
SCRIPT = b"console.log('pinned');\n"


def tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


@dataclass
class Registry:
    """The one tarball the fake registry publishes, with a file nobody pinned, and the downloads made."""

    tarball: bytes = field(default_factory=lambda: tarball({"package/dist/lib.js": SCRIPT,
                                                            "package/unpinned.js": b"alert(1)"}))
    downloads: list[str] = field(default_factory=list)


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> Registry:
    registry = Registry()

    def download(package: Any) -> bytes:
        registry.downloads.append(package.name)
        return registry.tarball

    monkeypatch.setattr(vendor, "download", download)
    return registry


def package(tar: bytes, file_hash: str | None = None) -> Any:
    return vendor.Package("@scope/lib", "1.0.0", integrity(tar),
                          {"package/dist/lib.js": file_hash or hashlib.sha256(SCRIPT).hexdigest()})


def test_the_pinned_files_are_written_under_name_and_version(published: Registry, tmp_path: Path) -> None:
    assert vendor.install(package(published.tarball), tmp_path) is True
    assert (tmp_path / "@scope/lib/1.0.0/dist/lib.js").read_bytes() == SCRIPT
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["lib.js"]  # nothing unpinned


def test_a_second_run_downloads_nothing(published: Registry, tmp_path: Path) -> None:
    pinned = package(published.tarball)
    vendor.install(pinned, tmp_path)
    assert vendor.install(pinned, tmp_path) is False
    assert published.downloads == ["@scope/lib"]


def test_a_modified_file_is_fetched_again(published: Registry, tmp_path: Path) -> None:
    pinned = package(published.tarball)
    vendor.install(pinned, tmp_path)
    (tmp_path / "@scope/lib/1.0.0/dist/lib.js").write_bytes(b"tampered")
    assert vendor.install(pinned, tmp_path) is True
    assert (tmp_path / "@scope/lib/1.0.0/dist/lib.js").read_bytes() == SCRIPT


def test_a_tarball_that_is_not_the_pinned_one_is_refused(published: Registry, tmp_path: Path) -> None:
    pinned = package(tarball({"package/dist/lib.js": SCRIPT}))  # pinned integrity of another tarball
    with pytest.raises(vendor.VendorError, match="integrity"):
        vendor.install(pinned, tmp_path)
    assert not list(tmp_path.iterdir())


def test_a_file_that_is_not_the_pinned_one_is_refused(published: Registry, tmp_path: Path) -> None:
    with pytest.raises(vendor.VendorError, match="SHA-256"):
        vendor.install(package(published.tarball, file_hash="0" * 64), tmp_path)
    assert not (tmp_path / "@scope/lib/1.0.0/dist/lib.js").exists()


def test_a_failed_download_stops_with_a_clear_message(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WILDNET_VENDOR_DIR", str(tmp_path))
    monkeypatch.setenv("WILDNET_NPM_REGISTRY", (tmp_path / "no-registry").as_uri())
    with pytest.raises(SystemExit) as stop:
        vendor.main()
    assert "could not download" in str(stop.value) and "WILDNET_NPM_REGISTRY" in str(stop.value)


def test_tarball_urls_follow_the_registry_layout() -> None:
    by_name = {p.name: p for p in vendor.PACKAGES}
    assert by_name["react"].tarball_url == "https://registry.npmjs.org/react/-/react-17.0.2.tgz"
    assert (by_name["@graphiql/plugin-explorer"].tarball_url
            == "https://registry.npmjs.org/@graphiql/plugin-explorer/-/plugin-explorer-0.1.15.tgz")


def test_every_pin_is_complete() -> None:
    for pinned in vendor.PACKAGES:
        assert re.fullmatch(r"sha512-[A-Za-z0-9+/]{86}==", pinned.integrity), pinned.name
        assert all(member.startswith("package/") and re.fullmatch(r"[0-9a-f]{64}", digest)
                   for member, digest in pinned.files.items()), pinned.name


def test_make_install_fetches_the_assets() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    stamp = re.search(r"^\$\(STAMP\):(.*)\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert stamp is not None
    assert "deploy/vendor_assets.py" in stamp.group(1)  # a new pin re-runs the install
    assert "deploy/vendor_assets.py" in stamp.group(2)
