"""Validation of custom resources against the CRDs their operators publish
(tests/deploy/crds/, sources and versions in its README).

The API server validates a custom resource against the `openAPIV3Schema` of the
version it is sent as, and `kubectl apply` rejects fields the schema does not
know (server-side field validation `Strict`, the default since Kubernetes 1.27).
Both are reproduced here with jsonschema; CEL rules (`x-kubernetes-validations`)
are not evaluated.
"""

import gzip
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

CRDS = Path(__file__).resolve().parent / "crds"
# Keys of an OpenAPI v3 schema node whose values are schemas themselves.
_SUBSCHEMA = ("items", "not")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf")


@dataclass(frozen=True)
class ServedVersion:
    group: str
    version: str
    kind: str
    namespaced: bool
    deprecated: bool
    schema: dict[str, Any]


def _strict(node: Any) -> Any:
    """An OpenAPI v3 schema of Kubernetes as JSON Schema (draft 4), refusing unknown fields."""
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {k: v for k, v in node.items() if not k.startswith("x-kubernetes-") and k != "nullable"}
    if "properties" in node:
        out["properties"] = {name: _strict(sub) for name, sub in node["properties"].items()}
    if isinstance(node.get("additionalProperties"), dict):
        out["additionalProperties"] = _strict(node["additionalProperties"])
    for key in _SUBSCHEMA:
        if key in node:
            out[key] = _strict(node[key])
    for key in _SUBSCHEMA_LISTS:
        if key in node:
            out[key] = [_strict(sub) for sub in node[key]]
    if node.get("x-kubernetes-embedded-resource"):
        out.setdefault("properties", {})
        for name in ("apiVersion", "kind"):
            out["properties"].setdefault(name, {"type": "string"})
        out["properties"].setdefault("metadata", {"type": "object"})
    # Without `x-kubernetes-preserve-unknown-fields` the API server prunes (and a
    # strict apply refuses) any field the schema does not declare.
    if "properties" in out and "additionalProperties" not in out \
            and not node.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out.setdefault("anyOf", [{"type": "integer"}, {"type": "string"}])
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


@cache
def served_versions() -> dict[tuple[str, str], ServedVersion]:
    """(apiVersion, kind) -> what the CRDs of tests/deploy/crds serve."""
    served: dict[tuple[str, str], ServedVersion] = {}
    for path in sorted(CRDS.glob("*/*.yaml.gz")):
        for crd in yaml.safe_load_all(gzip.decompress(path.read_bytes())):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            spec = crd["spec"]
            for version in spec["versions"]:
                if not version.get("served"):
                    continue
                schema = _strict(version["schema"]["openAPIV3Schema"])
                schema.setdefault("properties", {})["metadata"] = {"type": "object"}
                entry = ServedVersion(spec["group"], version["name"], spec["names"]["kind"],
                                      spec["scope"] == "Namespaced", bool(version.get("deprecated")), schema)
                served[(f"{entry.group}/{entry.version}", entry.kind)] = entry
    return served


def crd_groups() -> set[str]:
    return {entry.group for entry in served_versions().values()}


def custom_resource_errors(manifest: dict[str, Any]) -> list[str]:
    """Why the API server would refuse this custom resource (empty when it would accept it)."""
    key = (manifest.get("apiVersion", ""), manifest.get("kind", ""))
    entry = served_versions().get(key)
    if entry is None:
        return [f"no CRD in {CRDS.name}/ serves {key[1]} as {key[0]}"]
    errors = [f"{'.'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
              for e in jsonschema.Draft4Validator(entry.schema).iter_errors(manifest)]
    if entry.deprecated:
        errors.append(f"{key[0]} of {key[1]} is deprecated")
    return errors
