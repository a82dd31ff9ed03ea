"""Uploaded proofs: what is accepted, how they are kept, and who may download them.

A file is accepted only if its name ends as a PDF, PNG or JPEG and its first bytes say it
is one (a renamed executable is refused whatever its name), within the size cap. It is then
rewritten without its metadata (``cleaning``: EXIF, text chunks, a PDF's author and XMP),
and only that rewritten file is kept, in this service's database (metadata plus numbered
chunks) in the transaction of the change that cites it, and audited with that change; its
size is the rewritten file's. Files kept before that rewrite existed are served as they
were stored.

Who may download: the evidence of a recommendation is public once it stands in its
accepted evidence (a status change, or a completion a second organizer approved), like
the links shown on the public dashboard. A file only cited by a pending or sent-back
proposal stays with the organizers. The public never sees the uploaded file name (it
may name a person); it gets ``evidence-<id>.<ext>``.
"""

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pymongo.asynchronous.client_session import AsyncClientSession

from recommendations.cleaning import without_metadata
from recommendations.context import Recommendations
from recommendations.documents import EvidenceFile, StoredEvidence
from recommendations.store import CHUNK_BYTES
from shared.audit import Act
from shared.documents import utcnow
from shared.errors import DomainError, NotFound
from shared.timezones import Day

# The kinds accepted, by their first bytes, with the names they may carry.
KINDS: dict[str, tuple[bytes, tuple[str, ...]]] = {
    "application/pdf": (b"%PDF-", (".pdf",)),
    "image/png": (b"\x89PNG\r\n\x1a\n", (".png",)),
    "image/jpeg": (b"\xff\xd8\xff", (".jpg", ".jpeg")),
}
EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
NAME_MAX = 200


class EvidenceFileFields(BaseModel):
    """What an uploaded file shows and its date, as for a link."""

    model_config = ConfigDict(extra="forbid")

    description: str = Field(min_length=3, max_length=2000)
    date: Day


@dataclass(frozen=True)
class EvidenceUpload:
    """A file sent with a change."""

    name: str
    data: bytes
    fields: EvidenceFileFields


@dataclass(frozen=True)
class CleanFile:
    """An upload that passed the checks, rewritten without its metadata: what is kept and served."""

    name: str
    content_type: str
    data: bytes
    fields: EvidenceFileFields


def content_type_of(name: str, data: bytes) -> str:
    """The checked type of a file, or a refusal: by its content, and its name must agree."""
    lowered = name.lower()
    for content_type, (magic, suffixes) in KINDS.items():
        if data.startswith(magic):
            if not lowered.endswith(suffixes):
                raise DomainError("evidence_file_type", status=422)
            return content_type
    raise DomainError("evidence_file_type", status=422)


def check_upload(upload: EvidenceUpload, max_bytes: int) -> str:
    if not upload.data:
        raise DomainError("evidence_file_empty", status=422)
    if len(upload.data) > max_bytes:
        raise DomainError("evidence_file_too_large", status=413, max_mb=round(max_bytes / 1024 / 1024, 1))
    if len(upload.name) > NAME_MAX or not upload.name.strip():
        raise DomainError("evidence_file_name", status=422)
    return content_type_of(upload.name, upload.data)


def clean_name(name: str) -> str:
    """The last part of a path a browser may send, without control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in base if c.isprintable()).strip()[:NAME_MAX]


async def clean_upload(upload: EvidenceUpload, max_bytes: int) -> CleanFile:
    """Checked, then rewritten without metadata (in a thread: it decodes the whole file).

    Done before the transaction that keeps it, which may run more than once."""
    content_type = check_upload(upload, max_bytes)
    data = await asyncio.to_thread(without_metadata, content_type, upload.data)
    return CleanFile(name=clean_name(upload.name), content_type=content_type, data=data, fields=upload.fields)


async def store_upload(*, ctx: Recommendations, session: AsyncClientSession, recommendation_id: str,
                       upload: CleanFile, by: str, act: Act | None) -> dict[str, Any]:
    """Keep the file in the caller's transaction (audited); returns the evidence entry that cites it."""
    file = EvidenceFile(id=f"ef-{uuid.uuid4().hex[:16]}", recommendation_id=recommendation_id,
                        name=upload.name, content_type=upload.content_type, size=len(upload.data),
                        chunks=-(-len(upload.data) // CHUNK_BYTES), uploaded_at=utcnow(), uploaded_by=by)
    await ctx.store.save_evidence_file(file, upload.data, session)
    await ctx.store.audit(act, action="evidence.upload", object_type="evidence_file", object_id=file.id,
                          session=session)
    return StoredEvidence(description=upload.fields.description, date=upload.fields.date.isoformat(),
                          file=file.ref()).model_dump()


@dataclass(frozen=True)
class Download:
    name: str
    content_type: str
    data: bytes


async def evidence_download(*, ctx: Recommendations, recommendation_id: str, file_id: str,
                            organizer: bool) -> Download:
    """An uploaded proof's bytes: for organizers always; for the public once it is accepted evidence."""
    file = await ctx.store.evidence_file(file_id)
    state = await ctx.store.recommendation(recommendation_id)
    if file is None or state is None or file.recommendation_id != recommendation_id:
        raise NotFound("evidence_file_unknown")
    if not organizer and not any(e.file and e.file.id == file_id for e in state.evidence):
        raise NotFound("evidence_file_unknown")
    name = file.name if organizer else f"evidence-{file.id}.{EXTENSIONS[file.content_type]}"
    return Download(name=name, content_type=file.content_type, data=await ctx.store.evidence_bytes(file))


async def evidence_files(*, ctx: Recommendations, recommendation_id: str) -> dict[str, EvidenceFile]:
    """The files uploaded for a recommendation, by id, with the names they were sent with (organizers)."""
    return {file.id: file for file in await ctx.store.evidence_files_of(recommendation_id)}
