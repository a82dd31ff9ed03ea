"""What the deployment tests compare: docs/ARCHITECTURE.md, the rendered Kustomize
overlays, docker-compose.yml, and the services' own declarations.

The services' Python files are read with ``ast``, never imported, so these tests
run without the services installed and before their code is complete.
"""

import ast
import re
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from crd_schemas import crd_groups

ROOT = Path(__file__).resolve().parents[2]
ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"
KUSTOMIZE = ROOT / ".local" / "bin" / "kustomize"
INSTALL_KUSTOMIZE = ROOT / "infra" / "install-kustomize.sh"
OVERLAYS = {"dev": "tadamon-dev", "production": "tadamon"}
KAFKA_CLUSTER = "tadamon"

Manifest = dict[str, Any]


@dataclass(frozen=True)
class ServiceRow:
    name: str
    port: int
    database: str
    groups: tuple[str, ...]


@dataclass(frozen=True)
class TopicRow:
    topic: str
    producer: str
    consumers: tuple[str, ...]


def _table(heading_cells: tuple[str, ...]) -> list[list[str]]:
    """Rows of the first Markdown table whose header starts with these cells."""
    rows: list[list[str]] = []
    inside = False
    for line in ARCHITECTURE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else None
        if cells is None:
            if inside:
                break
            continue
        if not inside:
            inside = tuple(cells[: len(heading_cells)]) == heading_cells
            continue
        if not set("".join(cells)) <= set("-: "):
            rows.append(cells)
    assert rows, f"no table starting with {heading_cells} in {ARCHITECTURE}"
    return rows


def _ticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


@cache
def architecture_services() -> dict[str, ServiceRow]:
    services = {}
    for name, port, _package, database, groups in _table(("service", "port", "package")):
        services[name] = ServiceRow(name, int(port), _ticked(database)[0], tuple(_ticked(groups)))
    return services


@cache
def architecture_topics() -> dict[str, TopicRow]:
    topics = {}
    for topic, producer, _types, consumers in _table(("topic", "producer", "message types")):
        # "registration (notifications), agenda" -> ("registration", "agenda")
        readers = tuple(c.strip().split()[0] for c in consumers.split(",") if c.strip() not in ("", "-"))
        topics[_ticked(topic)[0]] = TopicRow(_ticked(topic)[0], producer, readers)
    return topics


@cache
def architecture_env_names() -> frozenset[str]:
    return frozenset(name for row in _table(("variable", "meaning")) for name in _ticked(row[0]))


def dlq(topic: str) -> str:
    return f"{topic}.dlq"


def produced_by(service: str) -> set[str]:
    return {t.topic for t in architecture_topics().values() if t.producer == service}


def consumed_by(service: str) -> set[str]:
    return {t.topic for t in architecture_topics().values() if service in t.consumers}


# --- Kustomize -----------------------------------------------------------------

@cache
def kustomize() -> Path:
    """The pinned kustomize, installed by infra/install-kustomize.sh when missing."""
    result = subprocess.run(["bash", str(INSTALL_KUSTOMIZE)], capture_output=True, text=True)
    if result.returncode != 0 or not KUSTOMIZE.is_file():
        pytest.fail(f"kustomize is needed to render deploy/k8s and {INSTALL_KUSTOMIZE.name} failed:\n"
                    f"{result.stdout}{result.stderr}", pytrace=False)
    return KUSTOMIZE


@cache
def _rendered(overlay: str) -> tuple[Manifest, ...]:
    result = subprocess.run([str(kustomize()), "build", str(ROOT / "deploy" / "k8s" / "overlays" / overlay)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"kustomize build of overlay {overlay!r} failed:\n{result.stderr}", pytrace=False)
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def render(overlay: str) -> list[Manifest]:
    return list(_rendered(overlay))


def of_kind(manifests: list[Manifest], kind: str) -> list[Manifest]:
    return [m for m in manifests if m["kind"] == kind]


def by_name(manifests: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {m["metadata"]["name"]: m for m in of_kind(manifests, kind)}


def is_custom(manifest: Manifest) -> bool:
    """Served by an operator's CRD (tests/deploy/crds) rather than by Kubernetes itself;
    any other group is validated as core and fails there."""
    return str(manifest["apiVersion"]).split("/")[0] in crd_groups()


def configmap_for(manifests: list[Manifest], deployment: Manifest) -> dict[str, str]:
    """The data of the ConfigMap(s) a Deployment's containers load with envFrom."""
    configmaps = by_name(manifests, "ConfigMap")
    data: dict[str, str] = {}
    for container in deployment["spec"]["template"]["spec"]["containers"]:
        for source in container.get("envFrom", []):
            name = source["configMapRef"]["name"]
            assert name in configmaps, f"{deployment['metadata']['name']} loads missing ConfigMap {name}"
            data.update(configmaps[name]["data"])
    return data


def env_names_of(manifests: list[Manifest], deployment: Manifest) -> set[str]:
    names = set(configmap_for(manifests, deployment))
    for container in deployment["spec"]["template"]["spec"]["containers"]:
        names |= {e["name"] for e in container.get("env", [])}
    return names


# --- docker-compose.yml ----------------------------------------------------------

@cache
def _compose() -> Manifest:
    loaded: Manifest = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    return loaded


def compose() -> Manifest:
    return _compose()


def compose_app_services() -> dict[str, Manifest]:
    """The services built from this repository (the others are off-the-shelf images)."""
    return {name: svc for name, svc in compose()["services"].items() if "build" in svc}


# --- The services' Python sources, read with ast -----------------------------------

def service_module(service: str, module: str) -> Path:
    return ROOT / "services" / service / service / f"{module}.py"


def _module_constants(path: Path, seen: frozenset[Path] = frozenset()) -> dict[str, Any]:
    """Module-level names bound to literals, following `from <pkg>.<mod> import X`
    within the repository so that `TOPICS = [PARTICIPANTS]` resolves."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    constants: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            source = _source_of(node.module)
            if source is not None and source not in seen:
                theirs = _module_constants(source, seen | {path})
                for alias in node.names:
                    if alias.name in theirs:
                        constants[alias.asname or alias.name] = theirs[alias.name]
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        for target in targets:
            if isinstance(target, ast.Name):
                resolved = _evaluate(value, constants)
                if resolved is not None:
                    constants[target.id] = resolved
    return constants


def _source_of(module: str) -> Path | None:
    parts = module.split(".")
    candidates = [ROOT / "shared" / Path(*parts).with_suffix(".py")]
    if len(parts) >= 2:
        candidates.append(ROOT / "services" / parts[0] / Path(*parts).with_suffix(".py"))
    return next((c for c in candidates if c.is_file()), None)


def _evaluate(node: ast.expr, constants: dict[str, Any]) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("list", "tuple") \
            and len(node.args) == 1:
        return _evaluate(node.args[0], constants)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _evaluate(node.left, constants), _evaluate(node.right, constants)
        return left + right if isinstance(left, list) and isinstance(right, list) else None
    if isinstance(node, (ast.List, ast.Tuple)):
        items: list[str] = []
        for element in node.elts:
            inner = element.value if isinstance(element, ast.Starred) else element
            value = _evaluate(inner, constants)
            if isinstance(value, str):
                items.append(value)
            elif isinstance(value, list):
                items.extend(value)
            else:
                return None
        return items
    return None


def declared_topics(service: str, module: str, name: str) -> list[str]:
    """The list `name` of services/<service>/<service>/<module>.py; fails the test with
    a message saying what is missing when it cannot be read."""
    path = service_module(service, module)
    if module == "consumers" and not path.is_file():
        return []  # a service without consumers.py consumes nothing (as declared_consumer_groups reads it)
    if not path.is_file():
        pytest.fail(f"{path.relative_to(ROOT)} does not exist yet: the {service} service must declare "
                    f"`{name}` there (docs/ARCHITECTURE.md, Topics) to be checked against deploy/k8s",
                    pytrace=False)
    value = _module_constants(path).get(name)
    if not isinstance(value, list):
        pytest.fail(f"{path.relative_to(ROOT)} has no module-level list `{name}` of topic names made of "
                    "string literals or module constants", pytrace=False)
    return value


def declared_consumer_groups(service: str) -> set[str]:
    """Literal `group=` arguments of ConsumerSpec(...) calls in consumers.py."""
    path = service_module(service, "consumers")
    if not path.is_file():
        return set()
    constants = _module_constants(path)
    groups = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "ConsumerSpec":
            for keyword in node.keywords:
                if keyword.arg == "group" and isinstance(value := _evaluate(keyword.value, constants), str):
                    groups.add(value)
    return groups


def _class_fields(path: Path) -> set[str]:
    fields = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef):
            fields |= {item.target.id for item in node.body
                       if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)}
    return fields


def settings_env_names(service: str) -> set[str]:
    """Environment variables the service reads: pydantic-settings maps field
    `mongo_url` to `MONGO_URL` (no prefix, case-insensitive)."""
    shared = ROOT / "shared" / "shared" / "settings.py"
    own = service_module(service, "settings")
    fields = _class_fields(shared) | (_class_fields(own) if own.is_file() else set())
    return {field.upper() for field in fields}
