"""Examples of a payload class, built from its fields: what the contract tests and the catalogue show.

``example(cls)`` fills every field (an optional one with a value); ``example(cls,
optional_as_none=True)`` leaves every optional field null, as a producer may. A
reader that accepts both accepts whatever the producer's class can send, as far as
the types go.
"""

import types
from datetime import UTC, date, datetime
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from shared.i18n import StoredText

AT = datetime(2025, 6, 18, 9, 30, tzinfo=UTC)


def example(cls: type[BaseModel], *, optional_as_none: bool = False) -> dict[str, Any]:
    """A JSON-ready payload ``cls`` accepts, with a plausible value for every field."""
    values = {name: _value(name, field.annotation, optional_as_none)
              for name, field in cls.model_fields.items()}
    return cls.model_validate(values).model_dump(mode="json")


def _value(name: str, annotation: Any, optional_as_none: bool) -> Any:
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (Union, types.UnionType):
        if type(None) in args and optional_as_none:
            return None
        return _value(name, next(a for a in args if a is not type(None)), optional_as_none)
    if origin is Literal:
        return args[0]
    if origin is list:
        return [_value(name, args[0], optional_as_none)]
    if origin is dict:
        return {"souss-massa": _value(name, args[1], optional_as_none)}
    return _scalar(name, annotation, optional_as_none)


def _scalar(name: str, annotation: Any, optional_as_none: bool) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, StoredText):
        return {"ar": "نص", "fr": "Texte", "en": "Text"}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return example(annotation, optional_as_none=optional_as_none)
    if annotation is bool:
        return True
    if annotation is int:
        return 1
    if annotation is float:
        return 1.5
    if annotation is datetime:
        return AT.isoformat()
    if annotation is date:
        return AT.date().isoformat()
    if annotation is str:
        return _text(name)
    return {}


def _text(name: str) -> str:
    known = {"region": "souss-massa", "language": "fr", "timezone": "Africa/Casablanca", "kind": "national_conference",
             "status": "confirmed", "category": "participant", "sector": "argan_oils", "unit": "count"}
    return known.get(name, f"{name}-1")
