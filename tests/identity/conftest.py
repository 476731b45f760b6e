"""An OpenID Connect provider of its own for the single sign-on tests: django-oauth-toolkit, in a separate
process, with its own SQLite file, an RSA key made for the run, two users and WildNet as its client."""

from __future__ import annotations

import html
import json
import os
import re
import select
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]
CALLBACK = "http://testserver/accounts/sso/callback/"
CLIENT_ID, CLIENT_SECRET = "wildnet", "wildnet-client-secret"
PASSWORD = "provider-password"


@dataclass
class Provider:
    """The running provider: where it is, the key it signs with, and its users' subjects."""

    issuer: str
    base: str
    private_key: str
    subjects: dict[str, str]

    def signed_in(self, username: str) -> requests.Session:
        """A browser signed in at the provider as this user."""
        browser = requests.Session()
        browser.get(f"{self.base}/accounts/login/", timeout=10).raise_for_status()
        response = browser.post(f"{self.base}/accounts/login/", timeout=10, allow_redirects=False, data={
            "csrfmiddlewaretoken": browser.cookies["csrftoken"], "username": username, "password": PASSWORD,
            "next": "/"})
        assert response.status_code == 302, response.text
        return browser

    def approve(self, browser: requests.Session, authorize_url: str, allow: bool = True) -> str:
        """Open the authorization address, approve WildNet (or cancel), and return the address the provider sends
        the browser back to (WildNet's callback, as a path for Django's test client)."""
        response = browser.get(authorize_url, timeout=10, allow_redirects=False)
        if response.status_code == 200:  # the consent page
            fields = {html.unescape(name): html.unescape(value) for name, value in re.findall(
                r'<input type="hidden" name="([^"]+)" value="([^"]*)"', response.text)}
            fields["csrfmiddlewaretoken"] = browser.cookies["csrftoken"]
            if allow:
                fields["allow"] = "Authorize"
            response = browser.post(urljoin(authorize_url, "?"), data=fields, timeout=10, allow_redirects=False,
                                    headers={"Referer": authorize_url})
        assert response.status_code == 302, response.text
        location = response.headers["Location"]
        assert location.startswith(CALLBACK), location
        return location.removeprefix("http://testserver")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    folder = tmp_path_factory.mktemp("provider")
    port = _free_port()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    base = f"http://127.0.0.1:{port}"
    config = {
        "port": port, "issuer": f"{base}/o", "private_key": pem, "database": str(folder / "provider.sqlite3"),
        "users": [{"username": name, "email": f"{name}@ofb.example", "password": PASSWORD}
                  for name in ("thomas", "stranger", "nadia")],
        "mfa_users": ["nadia"],
        "applications": [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uri": CALLBACK}],
    }
    (folder / "config.json").write_text(json.dumps(config))
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO")}
    env.update({"PROVIDER_CONFIG": str(folder / "config.json"), "PYTHONPATH": str(ROOT)})
    errors = (folder / "stderr.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "tests.identity.provider.serve"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=errors, text=True)
    try:
        ready, _, _ = select.select([process.stdout], [], [], 60)
        line = process.stdout.readline() if ready and process.stdout else ""
        if not line:
            process.kill()
            process.wait(timeout=10)
            reason = (folder / "stderr.log").read_text()[-2000:]
            pytest.skip(f"the test OpenID Connect provider (django-oauth-toolkit) did not start: {reason}")
        yield Provider(issuer=config["issuer"], base=base, private_key=pem, subjects=json.loads(line)["subjects"])
    finally:
        process.terminate()
        process.wait(timeout=10)
        errors.close()
