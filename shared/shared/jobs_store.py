"""The MongoDB side of ``shared.jobs``: the ``jobs`` collection and the chunks of their files."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import Binary
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Document, Indexes

JOBS = "jobs"
JOB_FILES = "job_files"
# What a job's work did, written in the transaction of that work: a run taken again after its
# process died reads it instead of doing the work twice.
JOB_OUTCOMES = "job_outcomes"
# A MongoDB document holds at most 16 MB; files are cut well below it.
CHUNK_BYTES = 4 * 1024 * 1024
KEEP_FINISHED_DAYS = 7


def jobs_indexes(indexes: Indexes) -> None:
    indexes.add(JOBS, IndexModel([("state", ASCENDING), ("lease_until", ASCENDING)], name="claimable"))
    indexes.add(JOBS, IndexModel([("owner", ASCENDING), ("created_at", DESCENDING)], name="by_owner"))
    # Only finished jobs have finished_at: a pending or running one never expires.
    indexes.add(JOBS, IndexModel([("finished_at", ASCENDING)], name="finished_expire",
                                 expireAfterSeconds=KEEP_FINISHED_DAYS * 86_400))
    indexes.add(JOB_FILES, IndexModel([("job_id", ASCENDING), ("run", ASCENDING), ("n", ASCENDING)], name="by_job"))
    indexes.add(JOB_FILES, IndexModel([("written_at", ASCENDING)], name="written_expire",
                                      expireAfterSeconds=KEEP_FINISHED_DAYS * 86_400))
    indexes.add(JOB_OUTCOMES, IndexModel([("recorded_at", ASCENDING)], name="recorded_expire",
                                         expireAfterSeconds=KEEP_FINISHED_DAYS * 86_400))


async def insert_job(db: AsyncDatabase[Document], doc: Document, *, lease_until: datetime,
                     session: AsyncClientSession | None) -> None:
    await db[JOBS].insert_one({**doc, "lease_owner": None, "lease_until": lease_until}, session=session)


async def find_job(db: AsyncDatabase[Document], job_id: str) -> Document | None:
    return await db[JOBS].find_one({"_id": job_id})


async def jobs_of(db: AsyncDatabase[Document], owner: str, limit: int) -> list[Document]:
    return await db[JOBS].find({"owner": owner}).sort("created_at", DESCENDING).limit(limit).to_list()


async def claim(db: AsyncDatabase[Document], owner: str, now: datetime, lease: timedelta) -> Document | None:
    """The oldest job waiting, or running under a lease that ran out, now held by ``owner``."""
    return await db[JOBS].find_one_and_update(
        {"state": {"$in": ["pending", "running"]}, "lease_until": {"$lte": now}},
        {"$set": {"state": "running", "lease_owner": owner, "lease_until": now + lease}, "$inc": {"attempts": 1}},
        sort=[("lease_until", ASCENDING)], return_document=ReturnDocument.AFTER)


async def renew(db: AsyncDatabase[Document], job_id: str, owner: str, until: datetime) -> bool:
    held = await db[JOBS].update_one({"_id": job_id, "lease_owner": owner, "state": "running"},
                                     {"$set": {"lease_until": until}})
    return held.matched_count == 1


async def release(db: AsyncDatabase[Document], job_id: str, owner: str) -> None:
    await db[JOBS].update_one({"_id": job_id, "lease_owner": owner, "state": "running"},
                              {"$set": {"lease_until": datetime(1970, 1, 1, tzinfo=UTC)}})


async def set_progress(db: AsyncDatabase[Document], job_id: str, owner: str, done: int, total: int) -> None:
    await db[JOBS].update_one({"_id": job_id, "lease_owner": owner, "state": "running"},
                              {"$set": {"done": done, "total": total}})


async def finish(db: AsyncDatabase[Document], job_id: str, owner: str, fields: dict[str, Any]) -> bool:
    done = await db[JOBS].update_one({"_id": job_id, "lease_owner": owner, "state": "running"},
                                     {"$set": fields, "$unset": {"lease_until": ""}})
    return done.matched_count == 1


async def write_file(db: AsyncDatabase[Document], job_id: str, run: int, content: bytes, now: datetime) -> None:
    """The file of one run (one claim) of the job, in chunks of at most 4 MB.

    Chunks are keyed by run: a run that lost its lease and still writes cannot mix its
    chunks into the file of the run that finished the job; the job names the run it kept."""
    files = db[JOB_FILES]
    for n, start in enumerate(range(0, max(len(content), 1), CHUNK_BYTES)):
        await files.replace_one({"_id": f"{job_id}:{run}:{n}"},
                                {"job_id": job_id, "run": run, "n": n,
                                 "data": Binary(content[start:start + CHUNK_BYTES]), "written_at": now}, upsert=True)


async def file_chunks(db: AsyncDatabase[Document], job_id: str, run: int) -> AsyncIterator[bytes]:
    async for chunk in db[JOB_FILES].find({"job_id": job_id, "run": run}).sort("n", ASCENDING):
        yield bytes(chunk["data"])


async def find_outcome(db: AsyncDatabase[Document], job_id: str, session: AsyncClientSession | None) -> Document | None:
    found = await db[JOB_OUTCOMES].find_one({"_id": job_id}, session=session)
    return None if found is None else dict(found["outcome"])


async def insert_outcome(db: AsyncDatabase[Document], job_id: str, outcome: Document, now: datetime,
                         session: AsyncClientSession) -> None:
    # The id is the job's: two runs of one job committing the same work collide here, one is undone.
    await db[JOB_OUTCOMES].insert_one({"_id": job_id, "outcome": outcome, "recorded_at": now}, session=session)
