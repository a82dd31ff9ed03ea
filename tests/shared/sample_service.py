"""A minimal service built on the shared package, to test the plumbing end to end.

Run as a script, it serves the app with the settings taken from the environment
(that is how the cross-process test starts a second service).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel, Field
from pymongo.asynchronous.client_session import AsyncClientSession

from shared.auth import Admin
from shared.consumer import ConsumerSpec, Delivery, Reader
from shared.envelope import Message, message_envelope
from shared.errors import NotFound
from shared.i18n import LocalizedText
from shared.mongo import Indexes
from shared.observability import current_correlation_id
from shared.platform import Platform, ServiceSpec, create_service_app, get_platform
from shared.serve import serve
from shared.settings import ServiceSettings

TOPIC = "sample.notes"


class SampleSettings(ServiceSettings):
    service_name: str = "sample"
    with_consumer: bool = True


class NoteCreate(BaseModel):
    text: LocalizedText
    copies: int = Field(ge=1, le=10)


class NoteWritten(Message):
    """``sample.note-written.v1``: a note was stored. Subject: the note id."""

    message_type = "sample.note-written.v1"
    topic = TOPIC

    note_id: str
    copies: int
    fail: bool = False


class NoteRead(Reader):
    """What the sample's own consumer reads of a written note."""

    reads = (NoteWritten.message_type,)

    note_id: str
    copies: int
    fail: bool = False


router = APIRouter()
PlatformDep = Annotated[Platform, Depends(get_platform)]


@router.post("/notes", status_code=201)
async def write_note(body: NoteCreate, platform: PlatformDep, who: Admin) -> dict[str, Any]:
    """Store a note and announce it."""

    async def work(session: AsyncClientSession) -> str:
        result = await platform.db.notes.insert_one({"text": body.text.model_dump(), "by": who.sub}, session=session)
        note_id = str(result.inserted_id)
        note = NoteWritten(note_id=note_id, copies=body.copies)
        await platform.outbox.add(session, note.topic, message_envelope(note, source="sample", subject=note_id))
        return note_id

    return {"id": await platform.transaction(work)}


@router.get("/notes/{note_id}")
async def read_note(note_id: str, platform: PlatformDep) -> dict[str, Any]:
    """Read a note."""
    from bson import ObjectId
    from bson.errors import InvalidId

    try:
        doc = await platform.db.notes.find_one({"_id": ObjectId(note_id)})
    except InvalidId:
        doc = None
    if doc is None:
        raise NotFound("not_found")
    return {"id": note_id, "text": doc["text"]}


def consumer_spec() -> ConsumerSpec[Platform]:
    spec: ConsumerSpec[Platform] = ConsumerSpec(group="sample-reader", topics=[TOPIC])

    @spec.on(NoteRead)
    async def on_note_written(data: NoteRead, delivery: Delivery[Platform]) -> None:
        session = delivery.session
        if data.fail:
            raise RuntimeError("this handler always fails for this message")
        db = delivery.service.db
        if await db.switches.find_one({"_id": "handler-broken"}, session=session):
            raise LookupError("a fault of the handler, until the switch is removed (a fix deployed)")
        effects = db.effects
        await effects.update_one(
            {"_id": data.note_id},
            {"$inc": {"applied": 1, "copies": data.copies}, "$set": {"correlation_id": current_correlation_id()}},
            upsert=True, session=session,
        )

    return spec


def create_app(settings: SampleSettings) -> FastAPI:
    spec = ServiceSpec(
        title="sample", description="plumbing test service", routers=[router], indexes=Indexes(),
        topics=[TOPIC], consumers=[consumer_spec()] if settings.with_consumer else [],
    )
    return create_service_app(settings, spec)


if __name__ == "__main__":
    serve(SampleSettings(), create_app)  # type: ignore[arg-type]
