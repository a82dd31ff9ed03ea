"""The message envelope every service publishes: a CloudEvents 1.0 event in structured mode.

The Kafka record's value is the whole event as JSON (``content-type:
application/cloudevents+json``): ``specversion, id, type, source, subject, time,
datacontenttype, correlationid, data``. ``correlationid`` is an extension attribute
(CloudEvents names are lower-case letters and digits); readers still accept
``correlation_id``, the name used before, from records written earlier. Type names
read ``<service>.<entity>-<past-tense verb>.v<N>``; the Kafka key is the ``subject``
(so one entity's messages stay ordered) and ``type`` and ``id`` are also headers, so
tools can route or inspect a record without parsing it.
"""

import re
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from shared.observability import current_correlation_id

TYPE_PATTERN = re.compile(r"^[a-z]+\.[a-z]+(-[a-z]+)+\.v[0-9]+$")
CONTENT_TYPE = "application/cloudevents+json; charset=UTF-8"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Envelope(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, serialize_by_alias=True)

    # Records written before the move to CloudEvents have no specversion: they are read as 1.0.
    specversion: Literal["1.0"] = "1.0"
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    type: str
    source: str
    subject: str
    time: datetime = Field(default_factory=utcnow)
    datacontenttype: Literal["application/json"] = "application/json"
    correlation_id: str | None = Field(default=None, serialization_alias="correlationid",
                                       validation_alias=AliasChoices("correlationid", "correlation_id"))
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
        items = [("content-type", CONTENT_TYPE.encode()), ("type", self.type.encode()), ("id", self.id.encode())]
        if self.correlation_id:
            items.append(("correlationid", self.correlation_id.encode()))
        return items


class Message(BaseModel):
    """A payload: one class per fact, declaring the message type it is sent as.

    ``message_type`` reads ``<service>.<entity>-<past-tense verb>.v<N>``; the version
    is its last part, so a breaking change is a new class with ``.v2`` beside the old.
    ``topic`` is the (unprefixed) topic the fact is published on.
    """

    message_type: ClassVar[str]
    topic: ClassVar[str]

    @classmethod
    def message_version(cls) -> int:
        return int(cls.message_type.rsplit(".v", 1)[1])


def message_envelope(message: Message, *, source: str, subject: str) -> Envelope:
    """The envelope of one fact, typed by the fact's class, with the current correlation id."""
    return make_envelope(type=message.message_type, source=source, subject=subject, data=message)


def make_envelope(*, type: str, source: str, subject: str, data: BaseModel | dict[str, Any]) -> Envelope:
    """Build an envelope carrying the current request's correlation id."""
    payload = data.model_dump(mode="json") if isinstance(data, BaseModel) else data
    return Envelope(
        type=type, source=source, subject=subject, data=payload, correlation_id=current_correlation_id()
    )
