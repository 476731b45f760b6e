"""Fetch the browser assets WildNet serves itself (GraphiQL and what it runs on) from the npm registry.

Agencies run WildNet on closed networks: a page that loads its scripts from a CDN is blank there, and a strict
Content Security Policy (``script-src 'self'``) refuses them anyway. So the few files the pages need are taken
from the packages' published npm tarballs, checked against pinned hashes, and written under the vendor
directory, which settings add to ``STATICFILES_DIRS`` (static path ``vendor/<package>/<version>/<file>``).

Only the standard library, so that ``make install`` needs nothing but Python: no npm, no node.

    python deploy/vendor_assets.py            # into $WILDNET_VENDOR_DIR, default var/vendor of the checkout

Idempotent: a file already present with its pinned SHA-256 is left alone, and nothing is downloaded when all
are. Otherwise the package's tarball is downloaded, checked against npm's ``dist.integrity`` (SHA-512) and the
pinned files are extracted and checked in turn. ``WILDNET_NPM_REGISTRY`` points at a mirror (an agency's
Artifactory or Nexus); the hashes make a mirror as trustworthy as the registry itself.

To upgrade a package: change its version and integrity (``npm view <name>@<version> dist.integrity``) and run
the script; it names each file whose hash no longer matches and the hash it found.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import sys
import tarfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REGISTRY = "https://registry.npmjs.org"
TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Package:
    """One npm package: its exact version, the tarball's integrity, and the files taken from it.

    ``files`` maps a path inside the tarball (npm puts everything under ``package/``) to the file's SHA-256.
    """

    name: str
    version: str
    integrity: str
    files: dict[str, str]

    @property
    def tarball_url(self) -> str:
        registry = os.environ.get("WILDNET_NPM_REGISTRY", DEFAULT_REGISTRY).rstrip("/")
        return f"{registry}/{self.name}/-/{self.name.rsplit('/', 1)[-1]}-{self.version}.tgz"

    def target(self, vendor_dir: Path, member: str) -> Path:
        return vendor_dir / self.name / self.version / member.removeprefix("package/")


#: The files graphene-django's GraphiQL page loaded from jsDelivr, less the two WildNet has no use for: the
#: ``fetch`` polyfill (every supported browser has fetch) and graphql-ws (WildNet has no subscriptions). The
#: SHA-256 of each script and style sheet is the one graphene-django 3.2.3 pins as its SRI hash. MIT licences.
PACKAGES = (
    Package(
        "graphiql", "2.4.7",
        "sha512-Fm3fVI65EPyXy+PdbeQUyODTwl2NhpZ47msGnGwpDvdEzYdgF7pPrxL96xCfF31KIauS4+ceEJ+ZwEe5iLWiQw==",
        {
            "package/graphiql.min.js": "9ff2ca6842eea42d47fcf53a8e8cfec9b7912474f6c4275e904b7a39830e3995",
            "package/graphiql.min.css": "3ac6ccf8b4077271478b4887ec050ab9e66f0dc101a32ff3e2127b8f1d5ca6c3",
            "package/LICENSE": "4b18fbe55c4e8f9169cb702be138f4d858a2dad920c39857204ffdc9c1c9fdc4",
        },
    ),
    Package(
        "react", "17.0.2",
        "sha512-gnhPt75i/dq/z3/6q/0asP78D0u592D5L1pd7M8P+dck6Fu/jJeL6iVVK23fptSUZj8Vjf++7wXA8UNclGQcbA==",
        {
            "package/umd/react.production.min.js": "229bbf4d0e7488209564152c6723497f1ac3934136ca1684233d2fa88fa4146f",
            "package/LICENSE": "52412d7bc7ce4157ea628bbaacb8829e0a9cb3c58f57f99176126bc8cf2bfc85",
        },
    ),
    Package(
        "react-dom", "17.0.2",
        "sha512-s4h96KtLDUQlsENhMn1ar8t2bEa+q/YAtj8pPPdIjPDGBDIVNsrD9aXNWqspUe6AzKCIG0C1HZZLqLV7qpOBGA==",
        {
            "package/umd/react-dom.production.min.js":
                "9db33292007ab6c38527b39d5663e976a305564e19b2a5a8713ea2b2c00f505d",
            "package/LICENSE": "52412d7bc7ce4157ea628bbaacb8829e0a9cb3c58f57f99176126bc8cf2bfc85",
        },
    ),
    Package(
        "@graphiql/plugin-explorer", "0.1.15",
        "sha512-/S82L0zahiUfOKqUtdUcHX0rWzxkr24iH7zdisAypBYK7E/oBCpbAySyQHox4+z6l/xcjhXMXdhLNuqZKUCAiw==",
        {
            "package/dist/graphiql-plugin-explorer.umd.js":
                "de152e8415dd5e57c28fa45378490916d121fe4506f9308301216914f2ebcef1",
            "package/dist/style.css": "7c0d0b3d496e90c351e8be123d2785a834d86aff107568d0da7af9e7d6659f55",
        },
    ),
)


class VendorError(Exception):
    """A package could not be fetched or did not match its pins; the message says which and why."""


def vendor_dir() -> Path:
    """Where the files go: ``WILDNET_VENDOR_DIR``, else ``var/vendor`` of the checkout, as in settings."""
    return Path(os.environ.get("WILDNET_VENDOR_DIR", ROOT / "var" / "vendor"))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_installed(package: Package, destination: Path) -> bool:
    """Whether every file of the package is present with its pinned hash."""
    for member, digest in package.files.items():
        path = package.target(destination, member)
        if not path.is_file() or sha256(path.read_bytes()) != digest:
            return False
    return True


def check_integrity(package: Package, tarball: bytes) -> None:
    """Refuse a tarball whose hash is not npm's ``dist.integrity`` for the pinned version."""
    algorithm, _, expected = package.integrity.partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode("ascii")
    if actual != expected:
        raise VendorError(f"{package.name}@{package.version}: the tarball from {package.tarball_url} has "
                          f"integrity {algorithm}-{actual}, not the pinned {package.integrity}")


def download(package: Package) -> bytes:
    url = package.tarball_url
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            return bytes(response.read())
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise VendorError(f"{package.name}@{package.version}: could not download {url}: {error}") from error


def extract(package: Package, tarball: bytes, destination: Path) -> None:
    """Write the pinned files only (by exact name, so no path in the tarball can escape ``destination``)."""
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for member, digest in package.files.items():
            try:
                handle = archive.extractfile(member)
            except KeyError:
                handle = None
            if handle is None:
                raise VendorError(f"{package.name}@{package.version}: the tarball has no file {member}")
            data = handle.read()
            if sha256(data) != digest:
                raise VendorError(f"{package.name}@{package.version}: {member} has SHA-256 {sha256(data)}, "
                                  f"not the pinned {digest}")
            path = package.target(destination, member)
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(path.name + ".partial")
            partial.write_bytes(data)
            partial.replace(path)  # atomic: an interrupted run never leaves a truncated file behind


def install(package: Package, destination: Path) -> bool:
    """Make the package's files present and valid; whether anything had to be downloaded."""
    if is_installed(package, destination):
        return False
    tarball = download(package)
    check_integrity(package, tarball)
    extract(package, tarball, destination)
    return True


def main() -> None:
    destination = vendor_dir()
    try:
        fetched = [f"{p.name}@{p.version}" for p in PACKAGES if install(p, destination)]
    except VendorError as error:
        sys.exit(f"vendor_assets: {error}\nvendor_assets: the browser assets (GraphiQL) come from the npm registry "
                 "over HTTPS; set HTTPS_PROXY, or WILDNET_NPM_REGISTRY to a mirror, and run `make install` again.")
    if fetched:
        print(f"vendor_assets: {', '.join(fetched)} in {destination}")  # noqa: T201


if __name__ == "__main__":
    main()
