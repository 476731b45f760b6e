"""Static checks of ``deploy/`` against the code it deploys.

Pure file parsing (PyYAML, tomllib, ast, regular expressions): Django is never imported, so these tests
run in milliseconds and fail as soon as the Dockerfile, compose file, Kubernetes manifests or env.example
drift from settings.py, pyproject.toml or the modules they start.

    .venv/bin/python -m pytest tests/test_deploy.py -q -p no:django
"""

from __future__ import annotations

import ast
import http.server
import importlib.util
import re
import shutil
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
SETTINGS = ROOT / "platform" / "wildnet" / "settings.py"
PYPROJECT = ROOT / "pyproject.toml"
DOCKERFILE = DEPLOY / "Dockerfile"
ENV_EXAMPLE = DEPLOY / "env.example"
COMPOSE = DEPLOY / "compose.yaml"
HEALTHCHECK = DEPLOY / "healthcheck.py"
SOURCE_ROOTS = (ROOT / "platform", ROOT)  # as pyproject's [tool.setuptools.packages.find] where

APP_SERVICES = {"web", "worker", "beat", "migrate"}
INFRA_SERVICES = {"postgres", "redis", "elasticsearch"}
# Must be set (not just documented) for a production start.
REQUIRED_VARIABLES = {
    "DJANGO_ENV",
    "DJANGO_SECRET_KEY",
    "WILDNET_AUDIT_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "SEARCH_BACKEND",
    "ELASTICSEARCH_URL",
}
# Variables whose values are credentials: Secret, never ConfigMap; placeholders only in templates.
SECRET_VARIABLES = {
    "DJANGO_SECRET_KEY",
    "WILDNET_AUDIT_KEY",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "ELASTICSEARCH_PASSWORD",
    "DJANGO_EMAIL_HOST_PASSWORD",
    "POSTGRES_PASSWORD",
    "ELASTIC_PASSWORD",
}
PLACEHOLDER = "CHANGE-ME"
# Variables the image fixes (Dockerfile ENV) that settings.py also reads.
IMAGE_PATH_VARIABLES = ("WILDNET_VAR_DIR", "WILDNET_MEDIA_ROOT", "DJANGO_STATIC_ROOT", "WILDNET_VENDOR_DIR")


# --- parsing helpers ---------------------------------------------------------------------------------------
_ENV_CALL = re.compile(r"(?<![\w.])(env|env_bool|env_int|env_list)\(")
_ENV_LITERAL = re.compile(r"(?<![\w.])(?:env|env_bool|env_int|env_list)\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']")
_OS_ENV_CALL = re.compile(r"os\.(?:environ\.get\(|getenv\(|environ\[)")
_OS_ENV_LITERAL = re.compile(r"os\.(?:environ\.get\(|getenv\(|environ\[)\s*[\"']([A-Z][A-Z0-9_]*)[\"']")
_ENV_LINE = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")
_INTERPOLATION = re.compile(r"\$\{([A-Z][A-Z0-9_]*)")


def _settings_text() -> str:
    return SETTINGS.read_text(encoding="utf-8")


def _settings_code_lines() -> list[str]:
    """settings.py without the helper definitions (``def env(name...)`` reads ``os.environ.get(name)``)."""
    tree = ast.parse(_settings_text())
    helper_lines: set[int] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in {"env", "env_bool", "env_int", "env_list"}:
            helper_lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return [line for number, line in enumerate(_settings_text().splitlines(), 1) if number not in helper_lines]


@cache
def settings_variables() -> frozenset[str]:
    code = "\n".join(_settings_code_lines())
    return frozenset(_ENV_LITERAL.findall(code)) | frozenset(_OS_ENV_LITERAL.findall(code))


@cache
def env_example() -> dict[str, tuple[str, bool]]:
    """name -> (value, set); ``set`` is False for documented-but-commented ``# NAME=default`` lines."""
    entries: dict[str, tuple[str, bool]] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = _ENV_LINE.match(line.strip())
        if match:
            commented, name, value = match.groups()
            assert name not in entries, f"{name} appears twice in env.example"
            entries[name] = (value, commented is None)
    return entries


def env_value(name: str) -> str:
    value, is_set = env_example()[name]
    assert is_set, f"{name} must be set (uncommented) in env.example"
    return value


@cache
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def service(name: str) -> dict[str, Any]:
    return compose()["services"][name]


@cache
def k8s_documents() -> tuple[tuple[str, dict[str, Any]], ...]:
    documents = []
    for path in sorted(K8S.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document is not None:
                documents.append((path.name, document))
    return tuple(documents)


def k8s(kind: str, name: str) -> dict[str, Any]:
    found = [doc for _, doc in k8s_documents() if doc["kind"] == kind and doc["metadata"]["name"] == name]
    assert len(found) == 1, f"expected exactly one {kind}/{name} in deploy/k8s, found {len(found)}"
    return found[0]


def workloads() -> list[dict[str, Any]]:
    return [doc for _, doc in k8s_documents() if doc["kind"] in {"Deployment", "Job"}]


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    return workload["spec"]["template"]["spec"]


def all_containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [*spec.get("initContainers", []), *spec["containers"]]


def main_container(workload: dict[str, Any]) -> dict[str, Any]:
    containers = pod_spec(workload)["containers"]
    assert len(containers) == 1, workload["metadata"]["name"]
    return containers[0]


@cache
def dockerfile_stages() -> tuple[tuple[tuple[str, str], ...], ...]:
    """Instructions ``(KEYWORD, arguments)`` per build stage, continuation lines joined, comments dropped."""
    logical: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue  # comments and blank lines may sit inside a continued instruction
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    assert not pending, "Dockerfile ends inside a continued line"
    stages: list[list[tuple[str, str]]] = []
    for line in logical:
        keyword, _, arguments = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((keyword, arguments.strip()))
    return tuple(tuple(stage) for stage in stages)


def runtime_stage() -> tuple[tuple[str, str], ...]:
    return dockerfile_stages()[-1]


def instructions(keyword: str, stage: tuple[tuple[str, str], ...] | None = None) -> list[str]:
    stage = runtime_stage() if stage is None else stage
    return [arguments for kw, arguments in stage if kw == keyword]


def dockerfile_env() -> dict[str, str]:
    values: dict[str, str] = {}
    for arguments in instructions("ENV"):
        for token in arguments.split():
            name, equals, value = token.partition("=")
            assert equals, f"use ENV NAME=value form: {arguments!r}"
            values[name] = value
    return values


def exec_form(arguments: str) -> list[str]:
    value = yaml.safe_load(arguments)  # a JSON array is valid YAML
    assert isinstance(value, list), f"use the exec (JSON array) form: {arguments!r}"
    return [str(item) for item in value]


def dockerfile_cmd() -> list[str]:
    commands = instructions("CMD")
    assert len(commands) == 1
    return exec_form(commands[0])


def dockerfile_uid() -> int:
    users = instructions("USER")
    assert users, "the runtime stage has no USER"
    user = users[-1].split(":")[0]
    assert user.isdigit(), "USER must be numeric so Kubernetes can verify runAsNonRoot"
    return int(user)


def exposed_port() -> int:
    (exposed,) = instructions("EXPOSE")
    return int(exposed.split("/")[0])


# --- resolving commands to code ----------------------------------------------------------------------------
def module_file(dotted: str) -> Path | None:
    parts = dotted.split(".")
    for root in SOURCE_ROOTS:
        base = root.joinpath(*parts)
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
    return None


def top_level_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return names


def assert_object_exists(target: str) -> None:
    """``package.module:attribute`` exists in the source tree."""
    module, _, attribute = target.partition(":")
    path = module_file(module)
    assert path is not None, f"module {module} not found under platform/ or the repository root"
    assert attribute in top_level_names(path), f"{path.relative_to(ROOT)} does not define {attribute}"


@cache
def console_scripts() -> dict[str, str]:
    with PYPROJECT.open("rb") as handle:
        return tomllib.load(handle)["project"]["scripts"]


@cache
def management_commands() -> frozenset[str]:
    """Project management commands, plus Django's own when Django is installed (found, never imported)."""
    found = {path.stem for root in SOURCE_ROOTS for path in root.glob("*/management/commands/*.py")}
    spec = importlib.util.find_spec("django")
    if spec is not None and spec.origin:
        django_dir = Path(spec.origin).parent
        found |= {path.stem for path in django_dir.glob("core/management/commands/*.py")}
        found |= {path.stem for path in django_dir.glob("contrib/*/management/commands/*.py")}
    else:
        found |= {"migrate", "collectstatic", "check", "createsuperuser", "shell"}
    return frozenset(found - {"__init__"})


def assert_command_resolves(argv: list[str]) -> None:
    """The program, and what it is told to load, exist in this project."""
    assert argv, "empty command"
    program = argv[0]
    if program == "wildnet":
        assert "wildnet" in console_scripts(), "pyproject.toml declares no `wildnet` console script"
        assert_object_exists(console_scripts()["wildnet"])
        assert len(argv) > 1 and argv[1] in management_commands(), f"unknown management command: {argv}"
    elif program == "celery":
        assert "-A" in argv, f"celery without -A: {argv}"
        app = argv[argv.index("-A") + 1]
        module, _, attribute = app.partition(":")
        # `celery -A wildnet` finds the `wildnet.celery` module's app (wildnet/__init__.py re-exports it).
        celery_module = module if attribute or module.endswith(".celery") else f"{module}.celery"
        assert_object_exists(f"{celery_module}:{attribute or 'app'}")
        path = module_file(celery_module)
        assert path is not None and "Celery(" in path.read_text(encoding="utf-8")
        subcommand = argv[argv.index("-A") + 2]
        assert subcommand in {"worker", "beat", "inspect"}, argv
    elif program == "gunicorn":
        assert len(argv) > 1 and re.fullmatch(r"[\w.]+:\w+", argv[1]), f"gunicorn module:attribute first: {argv}"
        assert_object_exists(argv[1])
    elif program == "python":
        script = argv[1]
        copied = {arguments.split()[-1]: arguments.split()[-2] for arguments in instructions("COPY")}
        assert script in copied, f"{script} is not COPYed into the image"
        assert (ROOT / copied[script]).is_file()
    else:
        raise AssertionError(f"unexpected program {program!r} in {argv}")


def test_command_resolution_rejects_drift() -> None:
    """The resolver itself catches renamed modules, attributes and commands."""
    for bad in (
        ["gunicorn", "wildnet.wsgi:app_that_does_not_exist"],
        ["gunicorn", "wildnet.no_such_module:application"],
        ["celery", "-A", "no_such_package", "worker"],
        ["wildnet", "no_such_management_command"],
        ["uwsgi", "--http", ":8000"],
        ["gunicorn", "--bind", "0.0.0.0:8000", "wildnet.wsgi:application"],
    ):
        with pytest.raises(AssertionError):
            assert_command_resolves(bad)
    assert_command_resolves(["wildnet", "migrate", "--noinput"])


# --- every YAML file ---------------------------------------------------------------------------------------
def yaml_files() -> list[Path]:
    return sorted([*DEPLOY.rglob("*.yaml"), *DEPLOY.rglob("*.yml")])


def test_deploy_files_exist() -> None:
    for path in (DOCKERFILE, COMPOSE, ENV_EXAMPLE, HEALTHCHECK, DEPLOY / "README.md"):
        assert path.is_file(), path
    assert len(yaml_files()) >= 8


@pytest.mark.parametrize("path", yaml_files(), ids=lambda path: str(path.relative_to(DEPLOY)))
def test_yaml_parses(path: Path) -> None:
    documents = [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]
    assert documents, f"{path} is empty"
    assert all(isinstance(doc, dict) for doc in documents)


# --- environment variables ---------------------------------------------------------------------------------
def test_settings_variables_are_all_literal() -> None:
    """Every env read in settings.py names its variable literally, so the regex sees all of them."""
    code = "\n".join(_settings_code_lines())
    assert len(_ENV_CALL.findall(code)) == len(_ENV_LITERAL.findall(code))
    assert len(_OS_ENV_CALL.findall(code)) == len(_OS_ENV_LITERAL.findall(code))
    assert {"DJANGO_ENV", "DJANGO_SECRET_KEY", "DATABASE_URL", "WILDNET_VAR_DIR"} <= settings_variables()
    assert len(settings_variables()) >= 30


def test_env_example_documents_every_settings_variable() -> None:
    missing = settings_variables() - env_example().keys()
    assert not missing, f"read by settings.py but missing from deploy/env.example: {sorted(missing)}"


def compose_interpolated() -> set[str]:
    return set(_INTERPOLATION.findall(COMPOSE.read_text(encoding="utf-8")))


def test_env_example_has_no_unknown_variables() -> None:
    """Each variable is read by settings.py or interpolated by compose.yaml (postgres/elasticsearch)."""
    unknown = env_example().keys() - settings_variables() - compose_interpolated()
    assert not unknown, f"deploy/env.example variables nobody reads: {sorted(unknown)}"
    undocumented = compose_interpolated() - env_example().keys()
    assert not undocumented, f"compose.yaml interpolates variables missing from env.example: {undocumented}"
    infrastructure = env_example().keys() - settings_variables()
    assert all(env_example()[name][1] for name in infrastructure), "infrastructure variables must be set"


def test_env_example_production_values() -> None:
    assert env_value("DJANGO_ENV") == "production"
    assert env_value("SEARCH_BACKEND") == "elasticsearch"
    assert env_value("DJANGO_DEBUG").lower() in {"0", "false", "no", "off"}
    for name in REQUIRED_VARIABLES:
        assert env_value(name), f"{name} is empty in env.example"
    for name in SECRET_VARIABLES & env_example().keys():
        value = env_value(name)
        if "://" in value:  # a URL: its password, if any, is the secret part
            password = urlsplit(value).password
            assert password is None or PLACEHOLDER in password, f"{name}: the password must be a placeholder"
        else:
            assert PLACEHOLDER in value, f"{name} must be a {PLACEHOLDER} placeholder in env.example"
    assert env_value("DJANGO_SECRET_KEY") != env_value("WILDNET_AUDIT_KEY")


def test_env_example_matches_the_compose_services() -> None:
    services = compose()["services"]
    database = urlsplit(env_value("DATABASE_URL"))
    assert database.scheme in {"postgres", "postgresql"}
    assert database.hostname in services
    assert database.username == env_value("POSTGRES_USER")
    assert database.password == env_value("POSTGRES_PASSWORD")
    assert database.path == "/" + env_value("POSTGRES_DB")
    broker = urlsplit(env_value("CELERY_BROKER_URL"))
    assert (broker.scheme, broker.hostname, broker.port) == ("redis", "redis", 6379)
    assert broker.hostname in services
    search = urlsplit(env_value("ELASTICSEARCH_URL"))
    assert search.hostname in services
    environment = service("elasticsearch")["environment"]
    http_tls = str(environment.get("xpack.security.http.ssl.enabled", "true")).lower() == "true"
    assert search.scheme == ("https" if http_tls else "http")
    if env_value("ELASTICSEARCH_USERNAME") == "elastic":
        assert env_value("ELASTICSEARCH_PASSWORD") == env_value("ELASTIC_PASSWORD")


def test_image_paths_agree_everywhere() -> None:
    image_env = dockerfile_env()
    for name in IMAGE_PATH_VARIABLES:
        assert env_example()[name][0] == image_env[name], f"{name}: env.example and Dockerfile differ"
    media, var_dir = image_env["WILDNET_MEDIA_ROOT"], image_env["WILDNET_VAR_DIR"]
    for name in ("web", "worker"):
        assert f"media:{media}" in service(name)["volumes"], name
        mounts = {m["mountPath"] for m in main_container(k8s("Deployment", f"wildnet-{name}"))["volumeMounts"]}
        assert media in mounts, name
    assert any(volume.endswith(f":{var_dir}") for volume in service("beat")["volumes"])
    beat_mounts = {m["mountPath"] for m in main_container(k8s("Deployment", "wildnet-beat"))["volumeMounts"]}
    assert var_dir in beat_mounts


# --- Dockerfile --------------------------------------------------------------------------------------------
def test_dockerfile_is_multi_stage_on_python_312_slim() -> None:
    stages = dockerfile_stages()
    assert len(stages) >= 2
    for stage in stages:
        (base,) = instructions("FROM", stage)
        assert base.split()[0].startswith("python:3.12-slim"), base
    assert any("pip wheel" in run for stage in stages[:-1] for run in instructions("RUN", stage))
    assert any(re.search(r"pip install .*\bwildnet\b", run) for run in instructions("RUN"))
    assert any("from=build" in arguments for arguments in instructions("RUN") + instructions("COPY"))


def test_dockerfile_runs_as_non_root() -> None:
    users = instructions("USER")
    assert users
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert dockerfile_uid() >= 1000
    cmd_index = max(i for i, (kw, _) in enumerate(runtime_stage()) if kw == "CMD")
    user_index = max(i for i, (kw, _) in enumerate(runtime_stage()) if kw == "USER")
    assert user_index < cmd_index


def test_dockerfile_production_environment_and_no_baked_secret() -> None:
    image_env = dockerfile_env()
    assert image_env["DJANGO_ENV"] == "production"
    for stage in dockerfile_stages():
        for keyword in ("ENV", "ARG"):
            for arguments in instructions(keyword, stage):
                assert "SECRET_KEY" not in arguments, f"{keyword} {arguments}: secret key kept in the image"
                assert "AUDIT_KEY" not in arguments
    collect = [run for run in instructions("RUN") if "collectstatic" in run]
    assert len(collect) == 1
    assert re.search(r"DJANGO_SECRET_KEY=\S+ .*wildnet collectstatic --noinput", collect[0])


def test_dockerfile_expose_healthcheck_and_cmd() -> None:
    assert exposed_port() == 8000
    (healthcheck,) = instructions("HEALTHCHECK")
    command = exec_form(healthcheck.split(" CMD ", 1)[1])
    assert command[0] == "python"
    assert_command_resolves(command)
    source = HEALTHCHECK.read_text(encoding="utf-8")
    assert f'DEFAULT_URL = "http://127.0.0.1:{exposed_port()}/healthz"' in source
    cmd = dockerfile_cmd()
    assert cmd[0] == "gunicorn"
    assert_command_resolves(cmd)
    assert cmd[cmd.index("--bind") + 1] == f"0.0.0.0:{exposed_port()}"
    for flag in ("--timeout", "--graceful-timeout", "--worker-tmp-dir", "--preload"):
        assert flag in cmd
    assert "WEB_CONCURRENCY" in dockerfile_env()  # gunicorn's worker count


def test_dockerfile_copies_exist_and_are_not_ignored() -> None:
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()
    for stage in dockerfile_stages():
        for arguments in instructions("COPY", stage):
            if "--from=" in arguments:
                continue
            sources = [part for part in arguments.split()[:-1] if not part.startswith("--")]
            for source in sources:
                if "*" not in source:  # a wildcard may match nothing (optional file)
                    assert (ROOT / source).exists(), f"COPY source {source} missing"
                name = source.rstrip("/*")
                assert f"!{name}" in ignore or f"!{name}/" in ignore, f"{source} excluded by Dockerfile.dockerignore"
    with PYPROJECT.open("rb") as handle:
        project = tomllib.load(handle)
    copied = " ".join(instructions("COPY", dockerfile_stages()[0]))
    for where in project["tool"]["setuptools"]["packages"]["find"]["where"]:
        if where != ".":
            assert where in copied
    for package in project["tool"]["setuptools"]["packages"]["find"]["include"]:
        name = package.rstrip("*")
        if (ROOT / name).is_dir():
            assert re.search(rf"\b{name}\b", copied), f"top-level package {name} is not copied"


# --- the health check script -------------------------------------------------------------------------------
class _Handler(http.server.BaseHTTPRequestHandler):
    status = 200
    body = b'{"status": "ok"}'
    location: str | None = None
    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:
        type(self).seen.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        if self.location:
            self.send_header("Location", self.location)
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture
def health_server() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("Handler", (_Handler,), {"seen": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/healthz", handler
    finally:
        server.shutdown()
        server.server_close()


def run_healthcheck(url: str, allowed_hosts: str) -> int:
    env = {"DJANGO_ALLOWED_HOSTS": allowed_hosts, "PATH": ""}
    result = subprocess.run(
        [sys.executable, str(HEALTHCHECK), url], env=env, capture_output=True, timeout=30, check=False
    )
    return result.returncode


def test_healthcheck_sends_proxy_headers(health_server: tuple[str, type[_Handler]]) -> None:
    url, handler = health_server
    assert run_healthcheck(url, " .example.org, *, other.example.org") == 0
    (request,) = handler.seen
    assert request["path"] == "/healthz"
    assert request["host"] == "example.org"
    assert request["x-forwarded-proto"] == "https"
    assert run_healthcheck(url, "") == 0
    assert handler.seen[-1]["host"] == "localhost"


@pytest.mark.parametrize(
    ("status", "body", "location"),
    [
        (503, b'{"status": "down"}', None),
        (301, b"", "{url}?followed"),  # back to this server: following it would show up in `seen`
        (200, b"<html>not json</html>", None),
    ],
)
def test_healthcheck_fails_when_unhealthy(
    health_server: tuple[str, type[_Handler]], status: int, body: bytes, location: str | None
) -> None:
    url, handler = health_server
    handler.status, handler.body = status, body
    handler.location = location.format(url=url) if location else None
    assert run_healthcheck(url, "example.org") == 1
    assert len(handler.seen) == 1  # redirects are not followed


def test_healthcheck_fails_when_nothing_listens() -> None:
    assert run_healthcheck("http://127.0.0.1:9/healthz", "example.org") == 1


# --- compose -----------------------------------------------------------------------------------------------
def test_compose_services() -> None:
    assert set(compose()["services"]) == APP_SERVICES | INFRA_SERVICES


def test_compose_app_services_share_one_image_and_env_file() -> None:
    images = {service(name)["image"] for name in APP_SERVICES}
    assert len(images) == 1
    for name in APP_SERVICES:
        build = service(name)["build"]
        assert (COMPOSE.parent / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE
        env_files = service(name)["env_file"]
        env_files = [env_files] if isinstance(env_files, str) else env_files
        assert ".env" in env_files, name
        assert service(name).get("read_only") is True, name


def test_compose_commands_reference_real_code() -> None:
    for name in APP_SERVICES:
        assert_command_resolves(service(name)["command"])
    assert service("web")["command"] == dockerfile_cmd()
    assert service("worker")["command"][:4] == ["celery", "-A", "wildnet", "worker"]
    assert service("beat")["command"][:4] == ["celery", "-A", "wildnet", "beat"]
    assert service("migrate")["command"] == ["wildnet", "migrate", "--noinput"]
    assert service("migrate")["restart"] == "no"
    assert f"127.0.0.1:{exposed_port()}:{exposed_port()}" in service("web")["ports"]


def test_compose_start_order() -> None:
    for name in ("web", "worker", "beat"):
        depends = service(name)["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["redis"]["condition"] == "service_healthy", name
    assert service("migrate")["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker"):
        assert service(name)["depends_on"]["elasticsearch"]["condition"] == "service_healthy"


def test_compose_healthchecks() -> None:
    for name in INFRA_SERVICES:
        assert service(name)["healthcheck"]["test"], name
    assert_command_resolves(service("web")["healthcheck"]["test"][1:])
    worker_test = " ".join(service("worker")["healthcheck"]["test"][1:])
    assert "inspect ping" in worker_test
    assert_command_resolves(worker_test.split())
    # The image's HEALTHCHECK probes gunicorn: roles that do not run it must override or disable it.
    for name in ("beat", "migrate"):
        assert service(name)["healthcheck"] == {"disable": True}


def test_compose_infrastructure_images_and_security() -> None:
    assert re.fullmatch(r"postgres:16([.-].*)?", service("postgres")["image"])
    assert re.fullmatch(r"redis:7([.-].*)?", service("redis")["image"])
    assert re.fullmatch(
        r"docker\.elastic\.co/elasticsearch/elasticsearch:8\.\d+\.\d+", service("elasticsearch")["image"]
    )
    environment = service("elasticsearch")["environment"]
    assert environment["discovery.type"] == "single-node"
    assert str(environment["xpack.security.enabled"]).lower() == "true"
    assert environment["ELASTIC_PASSWORD"].startswith("${ELASTIC_PASSWORD")
    assert service("postgres")["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD")


def test_compose_volumes_are_declared() -> None:
    declared = set(compose()["volumes"])
    used = {
        volume.split(":")[0]
        for spec in compose()["services"].values()
        for volume in spec.get("volumes", [])
        if not volume.startswith((".", "/"))
    }
    assert used == declared
    assert {"postgres-data", "elasticsearch-data", "media"} <= used


# --- Kubernetes --------------------------------------------------------------------------------------------
def test_k8s_documents_are_well_formed() -> None:
    kinds = {doc["kind"] for _, doc in k8s_documents()}
    assert {"Deployment", "Service", "Job", "ConfigMap", "Secret", "Kustomization"} <= kinds
    for filename, doc in k8s_documents():
        assert doc.get("apiVersion") and doc.get("kind"), filename
        if doc["kind"] != "Kustomization":
            assert doc["metadata"]["name"], filename
            if doc["kind"] != "Namespace":
                assert doc["metadata"]["namespace"] == "wildnet", filename


def test_k8s_pods_run_as_the_image_user_non_root() -> None:
    assert len(workloads()) == 4
    for workload in workloads():
        spec = pod_spec(workload)
        context = spec["securityContext"]
        assert context["runAsNonRoot"] is True, workload["metadata"]["name"]
        assert context["runAsUser"] == dockerfile_uid()
        assert spec["automountServiceAccountToken"] is False
        for container in all_containers(spec):
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, container["name"]
            assert security["readOnlyRootFilesystem"] is True, container["name"]
            assert security["capabilities"]["drop"] == ["ALL"], container["name"]


def test_k8s_resources_and_mounts() -> None:
    for workload in workloads():
        spec = pod_spec(workload)
        volumes = {volume["name"]: volume for volume in spec.get("volumes", [])}
        for container in all_containers(spec):
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container["resources"][bound]), container["name"]
            for mount in container.get("volumeMounts", []):
                assert mount["name"] in volumes, mount
        for volume in volumes.values():
            if "persistentVolumeClaim" in volume:
                k8s("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"])


def test_k8s_commands_reference_real_code() -> None:
    images = set()
    for workload in workloads():
        for container in all_containers(pod_spec(workload)):
            assert_command_resolves(container["command"])
            images.add(container["image"])
    assert len(images) == 1
    assert main_container(k8s("Deployment", "wildnet-web"))["command"] == dockerfile_cmd()
    assert main_container(k8s("Deployment", "wildnet-worker"))["command"][:4] == [
        "celery", "-A", "wildnet", "worker"
    ]  # fmt: skip
    assert main_container(k8s("Deployment", "wildnet-beat"))["command"][:4] == [
        "celery", "-A", "wildnet", "beat"
    ]  # fmt: skip
    job = k8s("Job", "wildnet-migrate")
    assert main_container(job)["command"] == ["wildnet", "migrate", "--noinput"]
    assert pod_spec(job)["restartPolicy"] == "Never"
    for name in ("wildnet-web", "wildnet-worker"):
        (init,) = pod_spec(k8s("Deployment", name))["initContainers"]
        assert init["command"][:3] == ["wildnet", "migrate", "--check"]


def test_k8s_web_probes_hit_healthz_as_the_proxy_would() -> None:
    container = main_container(k8s("Deployment", "wildnet-web"))
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports == {"http": exposed_port()}
    allowed = [host.strip() for host in k8s("ConfigMap", "wildnet-config")["data"]["DJANGO_ALLOWED_HOSTS"].split(",")]
    for probe_name in ("startupProbe", "readinessProbe", "livenessProbe"):
        probe = container[probe_name]["httpGet"]
        assert probe["path"] == "/healthz", probe_name
        assert probe["port"] in ports or probe["port"] == exposed_port()
        headers = {header["name"].lower(): header["value"] for header in probe["httpHeaders"]}
        assert headers["x-forwarded-proto"] == "https"
        host = headers["host"]
        assert host in allowed or any(entry.startswith(".") and host.endswith(entry) for entry in allowed)


def test_k8s_worker_has_a_liveness_probe_and_beat_is_a_singleton() -> None:
    worker = main_container(k8s("Deployment", "wildnet-worker"))
    probe = " ".join(worker["livenessProbe"]["exec"]["command"])
    assert "celery -A wildnet inspect ping" in probe
    beat = k8s("Deployment", "wildnet-beat")
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"]["type"] == "Recreate"


def test_k8s_service_selects_web_pods() -> None:
    web = k8s("Deployment", "wildnet-web")
    labels = web["spec"]["template"]["metadata"]["labels"]
    assert web["spec"]["selector"]["matchLabels"].items() <= labels.items()
    svc = k8s("Service", "wildnet-web")
    assert svc["spec"]["selector"].items() <= labels.items()
    port_names = {port["name"] for port in main_container(web)["ports"]}
    assert all(port["targetPort"] in port_names for port in svc["spec"]["ports"])


def test_k8s_config_and_secret_keys_are_settings_variables() -> None:
    config = k8s("ConfigMap", "wildnet-config")["data"]
    secret = k8s("Secret", "wildnet-secrets")["stringData"]
    assert not (config.keys() - settings_variables()), "ConfigMap key not read by settings.py"
    assert not (secret.keys() - settings_variables()), "Secret key not read by settings.py"
    assert not (config.keys() & SECRET_VARIABLES), "credentials belong in the Secret"
    assert config.keys() | secret.keys() >= REQUIRED_VARIABLES
    assert config["DJANGO_ENV"] == "production"
    for name, value in secret.items():
        assert PLACEHOLDER in value, f"Secret template {name} must be a placeholder"
    for workload in workloads():
        for container in all_containers(pod_spec(workload)):
            sources = container["envFrom"]
            assert {"configMapRef": {"name": "wildnet-config"}} in sources
            assert {"secretRef": {"name": "wildnet-secrets"}} in sources


def kustomization() -> dict[str, Any]:
    return yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))


def test_kustomization_lists_every_manifest_but_the_secret_template() -> None:
    listed = set(kustomization()["resources"])
    on_disk = {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml", "secret.template.yaml"}
    assert listed == on_disk
    image_names = {container["image"].split(":")[0] for w in workloads() for container in all_containers(pod_spec(w))}
    assert image_names == {image["name"] for image in kustomization()["images"]}


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed")
def test_kustomize_build() -> None:
    kubectl = shutil.which("kubectl")
    assert kubectl
    result = subprocess.run([kubectl, "kustomize", str(K8S)], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    built = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    assert {doc["kind"] for doc in built} >= {"Deployment", "Job", "Service", "ConfigMap"}
    assert not any(doc["kind"] == "Secret" for doc in built)


# --- README ------------------------------------------------------------------------------------------------
def test_readme_covers_operations_and_names_real_files() -> None:
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    for topic in (
        "WILDNET_AUDIT_KEY",
        "wildnet migrate --noinput",
        "wildnet createsuperuser",
        "wildnet load_demo",
        "wildnet search_index --rebuild",
        "## Backups",
        "## Rotating secrets",
    ):
        assert topic in readme, topic
    for reference in re.findall(r"(?<![\w/-])deploy/[\w./-]+\w", readme):
        assert (ROOT / reference).exists() or reference == "deploy/.env", reference
