"""The message catalogue: an AsyncAPI 3.0 document built from the services' payload classes.

Each service serves its own part at ``GET /asyncapi.json``; ``python -m shared.asyncapi``
writes the whole catalogue (every service's part merged) to ``docs/asyncapi.json``, and a
test regenerates it and compares, so the checked-in file never drifts from the code.
Channels are the Kafka topics; each message is the CloudEvents envelope (structured
mode: the record's value) whose ``data`` is the payload class's JSON Schema, with an
example built from the class.
"""

import importlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shared.contracts import AT, example
from shared.envelope import CONTENT_TYPE, Message

SERVICES = ("registration", "agenda", "recommendations", "marketplace")
ASYNCAPI_VERSION = "3.0.0"
CATALOGUE_VERSION = "1.0.0"
REF = "#/components/schemas/{model}"


def service_document(service: str, messages: Sequence[type[Message]]) -> dict[str, Any]:
    """The part of the catalogue one service owns: the channels it publishes on and their messages."""
    doc = _skeleton(f"Tadamon {service} messages",
                    f"Messages the {service} service publishes (Kafka topics; CloudEvents 1.0, structured mode).")
    for cls in messages:
        _add_message(doc, service, cls)
    return doc


def catalogue(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Every service's part in one document."""
    doc = _skeleton("Tadamon messages", "Every message the Tadamon services publish, by topic.")
    for part in parts:
        for section in ("channels", "operations"):
            doc[section].update(part[section])
        for section in ("messages", "schemas"):
            doc["components"][section].update(part["components"][section])
    ordered: dict[str, Any] = _sorted(doc)
    return ordered


def _skeleton(title: str, description: str) -> dict[str, Any]:
    return {"asyncapi": ASYNCAPI_VERSION,
            "info": {"title": title, "version": CATALOGUE_VERSION, "description": description},
            "defaultContentType": CONTENT_TYPE.split(";")[0],
            "channels": {}, "operations": {}, "components": {"messages": {}, "schemas": {}}}


def _add_message(doc: dict[str, Any], service: str, cls: type[Message]) -> None:
    name = cls.__name__
    schema = cls.model_json_schema(ref_template=REF, mode="serialization")
    doc["components"]["schemas"].update(schema.pop("$defs", {}))
    doc["components"]["schemas"][name] = schema
    doc["components"]["messages"][name] = {
        "name": cls.message_type, "title": name, "summary": (cls.__doc__ or "").strip().splitlines()[0],
        "description": (cls.__doc__ or "").strip(), "contentType": doc["defaultContentType"],
        "headers": _headers(cls), "payload": _envelope(service, cls),
        "examples": [{"name": "example", "payload": _example(service, cls)}],
    }
    channel = doc["channels"].setdefault(cls.topic, {"address": cls.topic, "messages": {},
                                                     "description": f"Published by {service}; key = subject."})
    channel["messages"][name] = {"$ref": f"#/components/messages/{name}"}
    doc["operations"][f"send{name}"] = {
        "action": "send", "channel": {"$ref": f"#/channels/{cls.topic}"},
        "messages": [{"$ref": f"#/channels/{cls.topic}/messages/{name}"}],
    }


def _headers(cls: type[Message]) -> dict[str, Any]:
    return {"type": "object", "properties": {
        "content-type": {"type": "string", "const": CONTENT_TYPE},
        "type": {"type": "string", "const": cls.message_type},
        "id": {"type": "string"},
        "correlationid": {"type": "string"},
    }}


def _envelope(service: str, cls: type[Message]) -> dict[str, Any]:
    return {"type": "object",
            "required": ["specversion", "id", "type", "source", "subject", "time", "datacontenttype", "data"],
            "properties": {
                "specversion": {"type": "string", "const": "1.0"},
                "id": {"type": "string", "description": "Unique per message; consumers drop a repeat by it."},
                "type": {"type": "string", "const": cls.message_type},
                "source": {"type": "string", "const": service},
                "subject": {"type": "string", "description": "The entity the fact is about; the Kafka key."},
                "time": {"type": "string", "format": "date-time"},
                "datacontenttype": {"type": "string", "const": "application/json"},
                "correlationid": {"type": ["string", "null"],
                                  "description": "The request that caused the message (extension attribute)."},
                "data": {"$ref": REF.format(model=cls.__name__)},
            }}


def _example(service: str, cls: type[Message]) -> dict[str, Any]:
    return {"specversion": "1.0", "id": f"{cls.__name__.lower()}-1", "type": cls.message_type, "source": service,
            "subject": "subject-1", "time": AT.isoformat().replace("+00:00", "Z"),
            "datacontenttype": "application/json", "correlationid": "corr-1", "data": example(cls)}


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def build_catalogue() -> dict[str, Any]:
    """The whole catalogue, from each service's ``events.MESSAGES`` (installed packages)."""
    return catalogue([service_document(s, importlib.import_module(f"{s}.events").MESSAGES) for s in SERVICES])


def main(argv: Sequence[str]) -> None:
    target = Path(argv[0]) if argv else Path("docs/asyncapi.json")
    target.write_text(render(build_catalogue()), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
