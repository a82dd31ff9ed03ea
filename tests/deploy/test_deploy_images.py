"""The services' images: what the Dockerfiles do, and that the wheels they install
carry everything the code needs (the image has nothing else: no .venv, no tests)."""

import ast
import fnmatch
import importlib.metadata
import importlib.util
import re
import sys
import tomllib
from functools import cache
from pathlib import Path

import pytest
from deploy_support import ROOT, architecture_services
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

services = pytest.mark.parametrize("service", sorted(architecture_services()))
FIRST_PARTY = {"shared", *architecture_services()}


def dockerfile(service: str) -> str:
    return (ROOT / "services" / service / "Dockerfile").read_text()


@services
def test_dockerfile_builds_wheels_then_runs_them_unprivileged(service):
    text = dockerfile(service)
    port = architecture_services()[service].port
    builder, runtime = re.findall(r"^FROM (\S+)", text, re.M)
    assert builder == runtime and re.fullmatch(r"python:3\.11-slim-bookworm@sha256:[0-9a-f]{64}", runtime)
    assert f"pip wheel --wheel-dir /wheels ./shared ./services/{service}" in text
    assert f"pip install --no-index --find-links=/wheels tadamon-{service}" in text
    assert "USER 10001" in text
    assert f"EXPOSE {port}" in text
    assert f'ENTRYPOINT ["python", "-m", "{service}"]' in text
    healthcheck = text[text.index("HEALTHCHECK"):]
    assert "urllib.request" in healthcheck and "http://127.0.0.1:" in healthcheck and "/healthz" in healthcheck
    # Only the service's runtime dependencies reach the image.
    for unwanted in ("secantusdb", "pytest", "requirements-dev", "kafka-clients", ".jar"):
        assert unwanted not in text.lower(), unwanted


def test_dockerignore_keeps_local_state_out_of_the_build_context():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".venv", ".local", ".git", "tests", "bench", "**/__pycache__"} <= ignored
    assert {"deploy", "!deploy/images/constraints.txt"} <= ignored


@services
def test_image_is_built_with_the_tested_versions(service):
    text = dockerfile(service)
    builder = text[:text.index("pip wheel")]
    assert "COPY deploy/images/constraints.txt /constraints.txt" in builder
    assert "PIP_CONSTRAINT=/constraints.txt" in builder


def _constraints_module():
    spec = importlib.util.spec_from_file_location("constraints", ROOT / "deploy" / "images" / "constraints.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_constraints_are_the_versions_the_tests_run_with():
    written = (ROOT / "deploy" / "images" / "constraints.txt").read_text(encoding="utf-8")
    assert written == _constraints_module().render(), (
        "deploy/images/constraints.txt differs from the environment the tests run in: "
        ".venv/bin/python deploy/images/constraints.py > deploy/images/constraints.txt")
    pins = dict(line.split("==") for line in written.splitlines() if not line.startswith("#"))
    for service in architecture_services():
        closure = _installed_closure(_declared(service))
        assert closure <= set(pins), f"{service}: not pinned {sorted(closure - set(pins))}"


@services
def test_image_carries_oci_labels(service):
    text = dockerfile(service)
    runtime = text[text.rindex("\nFROM "):]
    labels = dict(re.findall(r'(org\.opencontainers\.image\.[a-z.]+)="([^"]*)"', runtime))
    assert labels["org.opencontainers.image.title"] == f"tadamon-{service}"
    assert labels["org.opencontainers.image.version"] == "${VERSION}"
    assert labels["org.opencontainers.image.revision"] == "${REVISION}"
    digest = re.search(r"^FROM \S+@(sha256:[0-9a-f]{64})", runtime, re.M)
    assert digest and labels["org.opencontainers.image.base.digest"] == digest.group(1)
    assert {"ARG VERSION=0.1.0", "ARG REVISION=unknown"} <= set(runtime.splitlines())


def _project(folder: Path) -> dict:
    with (folder / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)


def _declared(service: str) -> list[str]:
    """Requirements of the service's wheel and of shared's (`tadamon-shared` itself excluded)."""
    requirements = [*_project(ROOT / "services" / service)["project"]["dependencies"],
                    *_project(ROOT / "shared")["project"]["dependencies"]]
    return [r for r in requirements if canonicalize_name(Requirement(r).name) != "tadamon-shared"]


def _installed_closure(requirements: list[str]) -> set[str]:
    """Distributions pip installs for these requirements, extras included, as far as
    the development environment knows them."""
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        requirement = todo.pop()
        key = (canonicalize_name(requirement.name), frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        try:
            nested = importlib.metadata.requires(requirement.name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for line in map(Requirement, nested):
            if line.marker is None or any(line.marker.evaluate({"extra": e}) for e in requirement.extras | {""}):
                todo.append(line)
    return {name for name, _ in seen}


def _imports(path: Path) -> set[str]:
    """Top-level modules a file imports at run time (not under TYPE_CHECKING, not in a
    try whose ImportError is handled)."""
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
            elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.orelse)
            elif isinstance(node, ast.Try) and any("ImportError" in ast.unparse(h.type or ast.Constant(""))
                                                   for h in node.handlers):
                continue
            else:
                for field in ("body", "orelse", "finalbody", "handlers"):
                    visit([n for n in getattr(node, field, []) if isinstance(n, ast.stmt | ast.excepthandler)])

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return found


@cache
def _distributions_of_modules() -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()


@services
def test_image_installs_every_package_the_code_imports(service):
    sources = [*(ROOT / "shared" / "shared").rglob("*.py"), *(ROOT / "services" / service / service).rglob("*.py")]
    installed = _installed_closure(_declared(service))
    missing = {}
    for path in sources:
        for module in _imports(path) - set(sys.stdlib_module_names) - FIRST_PARTY:
            distributions = {canonicalize_name(d) for d in _distributions_of_modules().get(module, [module])}
            if not distributions & installed:
                missing.setdefault(module, []).append(str(path.relative_to(ROOT)))
    assert not missing, (f"imported but not in the dependencies of services/{service}/pyproject.toml "
                         f"(nor shared's), so missing from the image: {missing}")


def _package_data_patterns(folder: Path, package: str) -> list[str]:
    tool = _project(folder).get("tool", {}).get("setuptools", {})
    data = tool.get("package-data", {})
    return [*data.get(package, []), *data.get("*", [])]


@pytest.mark.parametrize("service", sorted(FIRST_PARTY))
def test_image_ships_the_data_files_of_the_package(service):
    folder = ROOT / "shared" if service == "shared" else ROOT / "services" / service
    package = folder / service
    patterns = _package_data_patterns(folder, service)
    data_files = [p.relative_to(package).as_posix() for p in package.rglob("*")
                  if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts]
    # Without package-data setuptools leaves non-Python files out of the wheel.
    left_out = [f for f in data_files if not any(fnmatch.fnmatch(f, pattern) for pattern in patterns)]
    assert not left_out, (f"{left_out} would be missing from the wheel: list them under [tool.setuptools."
                          f"package-data] {service} = [...] in {folder.relative_to(ROOT)}/pyproject.toml")
