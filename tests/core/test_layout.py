"""The layout rules of the repository: ``platform/`` is a source root, never a package."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_platform_folder_is_not_a_package() -> None:
    assert not (ROOT / "platform" / "__init__.py").exists()


def test_import_platform_from_repository_root_is_the_standard_library() -> None:
    script = "import platform, uuid; print(platform.__file__); print(platform.python_version())"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                            env={"PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}", "PATH": "/usr/bin:/bin"},
                            check=True)
    path = Path(result.stdout.splitlines()[0]).resolve()
    assert path.parent == Path(sysconfig.get_paths()["stdlib"]).resolve()
    assert result.stdout.splitlines()[1] == sys.version.split()[0]


def test_stdlib_shadowing_rule_is_enforced_by_ruff() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    lint = config["tool"]["ruff"]["lint"]
    assert "A" in lint["select"]
    assert lint["flake8-builtins"]["builtins-strict-checking"] is True
    assert "A005" not in lint.get("ignore", [])


def test_console_script_is_manage_py() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert config["project"]["scripts"]["wildnet"] == "wildnet.__main__:main"
    wildnet = Path(sys.executable).parent / "wildnet"
    result = subprocess.run([str(wildnet), "help", "load_demo"], capture_output=True, text=True, check=True,
                            env={"DJANGO_ENV": "test", "PATH": "/usr/bin:/bin", "WILDNET_VAR_DIR": str(ROOT / "var")})
    assert "Idempotent" in result.stdout
