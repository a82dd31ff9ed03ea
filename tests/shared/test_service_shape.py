"""Every service has one shape: MongoDB is reached only from ``store.py``; routes call use cases."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("registration", "agenda", "recommendations", "marketplace", "accounts")
# A collection's methods (a store's own methods of the same name, ``store.create_indexes()``, are fine).
MONGO_CALL = re.compile(
    r"db\[|\.db\b|(?<!store)\.(find|find_one|insert_one|insert_many|update_one|update_many|delete_one|delete_many|aggregate"
    r"|count_documents|find_one_and_update|find_one_and_delete|find_one_and_replace|replace_one|bulk_write|distinct"
    r"|create_index|create_indexes|watch)\("
)
LOOSE_BAGS = re.compile(r"\bextras\b|\bholder\[")
ROUTE_MODULES = ("api.py", "admin_api.py", "console.py", "pages.py")


def _modules(service: str) -> list[Path]:
    return sorted((ROOT / "services" / service / service).rglob("*.py"))


def _code_lines(path: Path) -> list[tuple[int, str]]:
    """The lines of a module that are code: docstrings and comments do not count."""
    source = path.read_text(encoding="utf-8")
    docstring_lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            docstring_lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return [(n, line.split("#", 1)[0]) for n, line in enumerate(source.splitlines(), 1) if n not in docstring_lines]


@pytest.mark.parametrize("service", SERVICES)
def test_only_the_store_talks_to_mongodb(service: str) -> None:
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
             for path in _modules(service) if path.name != "store.py"
             for n, line in _code_lines(path) if MONGO_CALL.search(line)]
    assert found == []


@pytest.mark.parametrize("service", SERVICES)
def test_no_loose_bags_of_things(service: str) -> None:
    found = [f"{path.relative_to(ROOT)}:{n}" for path in _modules(service)
             for n, line in _code_lines(path) if LOOSE_BAGS.search(line)]
    assert found == []


@pytest.mark.parametrize("service", SERVICES)
def test_routes_never_reach_the_store(service: str) -> None:
    found = []
    for path in _modules(service):
        if path.name not in ROUTE_MODULES:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and (
                    node.module.endswith(".store") or any(a.name == "store" for a in node.names)):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.Import) and any(a.name.endswith(".store") for a in node.names):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_shared_code_reaches_mongodb_only_in_its_plumbing() -> None:
    """The services' shape has no ``extras`` bag left in the shared platform either."""
    platform = (ROOT / "shared" / "shared" / "platform.py").read_text(encoding="utf-8")
    assert "extras" not in platform
