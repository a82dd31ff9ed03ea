"""The base of the documents a service stores: what its ``store.py`` reads and writes.

A stored model names every field of its document; MongoDB's ``_id`` is read as ``id``.
``store.py`` turns documents into these models on the way out and back with
``to_document()`` on the way in, so the rest of a service never handles raw dicts.
"""

from datetime import UTC, datetime
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field


class Stored(BaseModel):
    """A stored document; fields MongoDB holds that the model does not name are ignored."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    id: str = Field(alias="_id")

    @classmethod
    def from_document(cls, doc: dict[str, Any] | None) -> Self | None:
        return None if doc is None else cls.model_validate(doc)

    def to_document(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True)


def utcnow() -> datetime:
    """Now, in UTC, to the millisecond MongoDB keeps: a value read back equals the one written."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
