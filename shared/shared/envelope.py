"""The message envelope every service publishes, with CloudEvents field names.

Type names read ``<service>.<entity>-<past-tense verb>.v<N>``; the Kafka key is the
``subject`` (so one entity's messages stay ordered) and ``type`` is also a header.
"""

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.observability import current_correlation_id

TYPE_PATTERN = re.compile(r"^[a-z]+\.[a-z]+(-[a-z]+)+\.v[0-9]+$")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Envelope(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    type: str
    source: str
    subject: str
    time: datetime = Field(default_factory=utcnow)
    correlation_id: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    @field_validator("type")
    @classmethod
    def _type_is_named_by_convention(cls, value: str) -> str:
        if not TYPE_PATTERN.match(value):
            raise ValueError(f"message type {value!r} does not read <service>.<entity>-<verb>.v<N>")
        return value

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> "Envelope":
        return cls.model_validate_json(raw)

    def headers(self) -> list[tuple[str, bytes]]:
        items = [("type", self.type.encode()), ("id", self.id.encode())]
        if self.correlation_id:
            items.append(("correlation_id", self.correlation_id.encode()))
        return items


def make_envelope(*, type: str, source: str, subject: str, data: BaseModel | dict[str, Any]) -> Envelope:
    """Build an envelope carrying the current request's correlation id."""
    payload = data.model_dump(mode="json") if isinstance(data, BaseModel) else data
    return Envelope(
        type=type, source=source, subject=subject, data=payload, correlation_id=current_correlation_id()
    )
