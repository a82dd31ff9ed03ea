"""Every code the services can answer with, and every text their pages name, exists in ar, fr and en."""

import ast
import re
from pathlib import Path

import accounts.app
import pytest

import agenda.app
import marketplace.app
import recommendations.app
import registration.app
import shared.web.jobs
from shared.i18n import _CATALOGUE, LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*ROOT.glob("services/*/*/*.py"), *ROOT.glob("shared/shared/**/*.py")])
TEMPLATES = sorted([*ROOT.glob("services/*/*/templates/*.html"), *ROOT.glob("shared/shared/web/templates/*.html")])
CODE = re.compile(r"^[a-z][a-z0-9_]*$")
# Calls whose first argument is a code: the error classes, and ValueError raised by validators
# (the problem handler turns it into the field's message).
ERROR_CALLS = re.compile(r"^([A-Z]\w*Error|NotFound|Conflict|Forbidden|\w*Conflict)$")
NOT_CODES = {"RuntimeError", "TypeError", "KeyError", "AssertionError", "NotImplementedError", "OSError"}
# Each app registers its texts; the job pages' own are registered once an app is built (they are
# imported then), so they are imported here for a run of this module alone.
assert accounts.app and agenda.app and marketplace.app and recommendations.app and registration.app
assert shared.web.jobs


def _called_name(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def codes_in_sources() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = _called_name(node)
            literals = [kw.value for kw in node.keywords if kw.arg == "code"]
            if ERROR_CALLS.match(name) and name not in NOT_CODES and node.args:
                literals.append(node.args[0])
            if name in ("translate", "t") and node.args:
                literals.append(node.args[0])
            for value in literals:
                if isinstance(value, ast.Constant) and isinstance(value.value, str) and CODE.match(value.value):
                    found.setdefault(value.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def codes_in_templates() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in TEMPLATES:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for code in re.findall(r"\bt\(\s*[\"']([a-z][a-z0-9_]*)[\"']\s*[,)]", line):
                found.setdefault(code, f"{path.relative_to(ROOT)}:{number}")
    return found


def test_the_scan_finds_the_codes_the_services_use() -> None:
    used = codes_in_sources()
    assert {"already_registered", "session_unknown", "conference_not_found", "field_not_nullable"} <= set(used)
    assert "ui_cancel_confirm" in codes_in_templates()


@pytest.mark.parametrize("source", [codes_in_sources, codes_in_templates], ids=["sources", "templates"])
def test_every_code_used_is_registered_in_arabic_french_and_english(source) -> None:  # type: ignore[no-untyped-def]
    missing = {code: where for code, where in source().items()
               if not all((_CATALOGUE.get(code) or {}).get(lang) for lang in LANGUAGES)}
    assert missing == {}
