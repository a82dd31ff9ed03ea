"""Background jobs on the real MongoDB: progress while running, restarts, failures, access, large files,
an outcome recorded once."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from jobs_service import SCOPE, JobsSettings, create_app, payload
from pymongo.errors import DuplicateKeyError

from shared.documents import utcnow
from shared.i18n import translate
from shared.jobs import MAX_ATTEMPTS, Job, job_outcome, record_job_outcome, start_job
from shared.jobs_store import CHUNK_BYTES, write_file
from shared.mongo import make_client
from shared.web.console import SERVICES
from support import Infra, Keys, eventually, requests_counted, running, settings_for, steady

AMINA = "amina.organizer@tadamon.ma"


def session(keys: Keys, *scopes: str, sub: str = AMINA) -> dict[str, str]:
    """What a browser signed in to the console sends: the access cookie."""
    return {"Cookie": f"tadamon_access={keys.token(*scopes, sub=sub)}"}


def job_settings(infra: Infra, keys: Keys, **overrides: Any) -> JobsSettings:
    return settings_for(JobsSettings, infra, keys, **{"jobs_poll_seconds": 0.1, **overrides})


async def begin(client: httpx.AsyncClient, keys: Keys, kind: str, **fields: Any) -> str:
    started = await client.post("/jobs", json={"kind": kind, **fields}, headers=keys.headers(sub=AMINA))
    assert started.status_code == 201, started.text
    return str(started.json()["id"])


async def state_of(client: httpx.AsyncClient, keys: Keys, job_id: str, lang: str = "fr") -> dict[str, Any]:
    answer = await client.get(f"/console/jobs/{job_id}.json?lang={lang}", headers=session(keys))
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def finished(client: httpx.AsyncClient, keys: Keys, job_id: str, lang: str = "fr") -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        state = await state_of(client, keys, job_id, lang)
        return state if state["state"] in ("done", "failed") else None

    return await eventually(check)


async def open_gate(settings: JobsSettings, job_id: str) -> None:
    client = make_client(settings.mongo_url)
    try:
        await client[settings.database_name].gates.insert_one({"_id": job_id})
    finally:
        await client.close()


@pytest.fixture
async def client(infra: Infra, keys: Keys) -> AsyncIterator[tuple[httpx.AsyncClient, JobsSettings]]:
    settings = job_settings(infra, keys)
    async with running(create_app(settings)) as http:
        yield http, settings


async def test_a_job_runs_to_the_end_with_its_progress_visible_midway(
        client: tuple[httpx.AsyncClient, JobsSettings], keys: Keys) -> None:
    http, settings = client
    job_id = await begin(http, keys, "steps", n=4)

    async def midway() -> dict[str, Any] | None:
        state = await state_of(http, keys, job_id)
        return state if state["done"] == 2 else None

    state = await eventually(midway)
    assert state["state"] == "running" and state["total"] == 4 and not state["has_file"]
    assert state["progress_text"] == "2 sur 4"
    page = await http.get(f"/console/jobs/{job_id}?lang=fr", headers=session(keys))
    assert page.status_code == 200 and "/console/jobs/progress.js" in page.text and 'id="job-bar"' in page.text
    await open_gate(settings, job_id)
    state = await finished(http, keys, job_id)
    assert (state["state"], state["done"], state["total"], state["error"]) == ("done", 4, 4, None)
    page = await http.get(f"/console/jobs/{job_id}?lang=fr", headers=session(keys))
    assert "Import des inscriptions" in page.text and "Lignes traitées" in page.text
    assert "&lt;b&gt;row 1&lt;/b&gt;" in page.text and "progress.js" not in page.text
    listing = await http.get("/console/jobs?lang=fr", headers=session(keys))
    assert f'data-job="{job_id}"' in listing.text
    # The console's navigation reaches every service's screens; the accounts console (people,
    # teams) only for administrators.
    for service in SERVICES:
        assert (f'data-service="{service}"' in listing.text) is (service != "accounts")
    as_admin = await http.get("/console/jobs?lang=fr", headers=session(keys, "admin"))
    assert 'data-service="accounts"' in as_admin.text


async def test_a_job_left_by_a_stopped_worker_is_finished_by_the_next_process(infra: Infra, keys: Keys) -> None:
    settings = job_settings(infra, keys)
    async with running(create_app(settings)) as http:
        job_id = await begin(http, keys, "steps", n=2)
        await eventually(lambda: _done_is(http, keys, job_id, 1))
    await open_gate(settings, job_id)  # the first process is gone; what it left is taken up again
    async with running(create_app(settings)) as http:
        state = await finished(http, keys, job_id)
        assert (state["state"], state["done"]) == ("done", 2)
        job = await _stored(settings, job_id)
        assert job.attempts == 2


async def test_a_job_whose_process_died_is_taken_again_once_its_lease_ran_out(infra: Infra, keys: Keys) -> None:
    settings = job_settings(infra, keys, jobs_lease_seconds=2.0)
    job_id = "d1ed" * 8
    lease_until = utcnow() + timedelta(seconds=2)
    mongo = make_client(settings.mongo_url)
    try:
        # What a process killed in the middle of a job leaves behind: its lease still running.
        job = Job(id=job_id, kind="steps", owner=AMINA, scope=SCOPE, params={"n": 2}, state="running", done=1,
                  total=2, created_at=utcnow(), attempts=1)
        db = mongo[settings.database_name]
        await db.jobs.insert_one({**job.to_document(), "lease_owner": "gone:1", "lease_until": lease_until})
        await db.gates.insert_one({"_id": job_id})
    finally:
        await mongo.close()
    async with running(create_app(settings)) as http:
        state = await finished(http, keys, job_id)
        assert state["state"] == "done"
        stored = await _stored(settings, job_id)
        assert stored.attempts == 2 and stored.finished_at is not None and stored.finished_at >= lease_until


async def test_a_job_that_keeps_killing_its_process_is_given_up_after_three_claims(infra: Infra, keys: Keys) -> None:
    settings = job_settings(infra, keys)
    job_id = "dead" * 8
    mongo = make_client(settings.mongo_url)
    try:
        # Three claims already, each ended by its process dying: the fourth is not run.
        job = Job(id=job_id, kind="steps", owner=AMINA, scope=SCOPE, params={"n": 2}, state="running",
                  created_at=utcnow(), attempts=MAX_ATTEMPTS)
        await mongo[settings.database_name].jobs.insert_one(
            {**job.to_document(), "lease_owner": "gone:3", "lease_until": utcnow()})
    finally:
        await mongo.close()
    async with running(create_app(settings)) as http:
        state = await finished(http, keys, job_id, "en")
        assert (state["state"], state["error_code"]) == ("failed", "job_failed")
        assert state["done"] == 0  # the handler never ran (it would wait at its gate, never opened here)


async def test_a_refused_job_ends_failed_with_its_code_in_the_readers_language(
        client: tuple[httpx.AsyncClient, JobsSettings], keys: Keys) -> None:
    http, _ = client
    job_id = await begin(http, keys, "refuse")
    state = await finished(http, keys, job_id, "ar")
    assert state["state"] == "failed"
    assert state["error"] == translate("sample_too_many", "ar", limit=3) == "أكثر من 3 سطور."
    assert (await state_of(http, keys, job_id, "fr"))["error"] == "Plus de 3 lignes."
    page = await http.get(f"/console/jobs/{job_id}?lang=fr", headers=session(keys))
    assert 'id="job-error"' in page.text and "Plus de 3 lignes." in page.text


async def test_an_unexpected_fault_ends_the_job_failed_and_the_worker_goes_on(
        client: tuple[httpx.AsyncClient, JobsSettings], keys: Keys) -> None:
    http, settings = client
    broken = await begin(http, keys, "crash")
    state = await finished(http, keys, broken, "en")
    assert state["state"] == "failed" and state["error"] == translate("job_failed", "en")
    after = await begin(http, keys, "steps", n=2)
    await open_gate(settings, after)
    assert (await finished(http, keys, after))["state"] == "done"


async def test_only_the_owner_or_a_holder_of_the_scope_reads_a_job(
        client: tuple[httpx.AsyncClient, JobsSettings], keys: Keys) -> None:
    http, _ = client
    job_id = await begin(http, keys, "big", size=10)
    await finished(http, keys, job_id)
    stranger = session(keys, "organizer:other", sub="someone.else@tadamon.ma")
    for path in (f"/console/jobs/{job_id}", f"/console/jobs/{job_id}.json", f"/console/jobs/{job_id}/file"):
        assert (await http.get(path, headers=stranger)).status_code == 403, path
        colleague = session(keys, SCOPE, sub="colleague@tadamon.ma")
        assert (await http.get(path, headers=colleague)).status_code == 200, path
        assert (await http.get(path, headers=session(keys, "admin", sub="admin@tadamon.ma"))).status_code == 200
    assert (await http.get(f"/console/jobs/{'0' * 32}.json", headers=session(keys))).status_code == 404
    assert (await http.get("/console/jobs/not-an-id", headers=session(keys))).status_code == 404
    assert (await http.get(f"/console/jobs/{job_id}.json")).status_code == 401
    listing = await http.get("/console/jobs", headers=stranger)
    assert job_id not in listing.text


async def test_a_file_over_one_chunk_downloads_byte_for_byte(
        client: tuple[httpx.AsyncClient, JobsSettings], keys: Keys) -> None:
    http, settings = client
    size = 2 * CHUNK_BYTES + 12_345
    job_id = await begin(http, keys, "big", size=size)
    state = await finished(http, keys, job_id)
    assert state["state"] == "done" and state["has_file"]
    download = await http.get(f"/console/jobs/{job_id}/file", headers=session(keys))
    assert download.status_code == 200
    assert download.content == payload(size)
    assert "attachment" in download.headers["content-disposition"]
    assert "badges%20r%C3%A9sum%C3%A9.bin" in download.headers["content-disposition"]
    mongo = make_client(settings.mongo_url)
    try:
        db = mongo[settings.database_name]
        assert await db.job_files.count_documents({"job_id": job_id}) == 3
        # A run that lost its lease and writes late keeps its chunks apart from the file the job kept.
        await write_file(db, job_id, 99, b"late" * 10, utcnow())
    finally:
        await mongo.close()
    again = await http.get(f"/console/jobs/{job_id}/file", headers=session(keys))
    assert again.content == payload(size)


async def _done_is(http: httpx.AsyncClient, keys: Keys, job_id: str, done: int) -> bool:
    return bool((await state_of(http, keys, job_id))["done"] == done)


async def _stored(settings: JobsSettings, job_id: str) -> Job:
    mongo = make_client(settings.mongo_url)
    try:
        job = Job.from_document(await mongo[settings.database_name].jobs.find_one({"_id": job_id}))
    finally:
        await mongo.close()
    assert job is not None
    return job


async def test_finished_jobs_and_their_files_expire_after_seven_days_and_waiting_ones_never(
        client: tuple[httpx.AsyncClient, JobsSettings], keys: Keys) -> None:
    http, settings = client
    done = await begin(http, keys, "big", size=10)
    await finished(http, keys, done)
    waiting = await begin(http, keys, "steps", n=2)  # held at its gate, never finished here
    mongo = make_client(settings.mongo_url)
    try:
        db = mongo[settings.database_name]
        jobs = {i["name"]: i async for i in await db.jobs.list_indexes()}
        files = {i["name"]: i async for i in await db.job_files.list_indexes()}
        assert jobs["finished_expire"]["key"] == {"finished_at": 1}
        assert jobs["finished_expire"]["expireAfterSeconds"] == 7 * 86_400
        assert files["written_expire"]["expireAfterSeconds"] == 7 * 86_400
        assert (await db.jobs.find_one({"_id": done}) or {}).get("finished_at") is not None
        assert (await db.jobs.find_one({"_id": waiting}) or {}).get("finished_at") is None
        assert await db.job_files.count_documents({"job_id": done, "written_at": {"$exists": True}}) == 1
    finally:
        await mongo.close()


async def test_a_finished_job_no_longer_keeps_what_it_was_given(
        client: tuple[httpx.AsyncClient, JobsSettings], keys: Keys) -> None:
    """An import's file or a bulk message's text may hold personal data: kept while needed only."""
    http, settings = client
    job_id = await begin(http, keys, "steps", n=1)
    assert (await _stored(settings, job_id)).params["n"] == 1
    await open_gate(settings, job_id)
    assert (await finished(http, keys, job_id))["state"] == "done"
    assert (await _stored(settings, job_id)).params == {}


async def test_a_jobs_outcome_is_recorded_once_and_read_back_by_a_run_taken_again(
        client: tuple[httpx.AsyncClient, JobsSettings], keys: Keys) -> None:
    http, _ = client
    platform = http._transport.app.state.platform  # type: ignore[attr-defined]
    job_id = await start_job(platform, kind="unknown-to-this-service", owner=AMINA, scope=SCOPE, params={},
                             back="/console/samples", back_text="job_back")
    assert await job_outcome(platform, job_id) is None

    async def record(count: int) -> None:
        async def work(session: Any) -> None:
            await record_job_outcome(platform, job_id, {"imported": count}, session)

        await platform.transaction(work)

    await record(2)
    with pytest.raises(DuplicateKeyError):  # a second run committing the same work is undone
        await record(3)
    assert await job_outcome(platform, job_id) == {"imported": 2}
    page = await http.get(f"/console/jobs/{job_id}?lang=ar", headers=session(keys))
    assert '<a href="/console/samples?lang=ar" id="job-back">' in page.text
    assert translate("job_back", "ar") in page.text


async def test_the_worker_looks_for_jobs_after_a_commit_that_queued_one_not_after_every_transaction(
        infra: Infra, keys: Keys) -> None:
    # The worker's own poll is a minute away: only a wake-up makes it look.
    settings = job_settings(infra, keys, jobs_poll_seconds=60.0)
    async with running(create_app(settings)) as http:
        platform = http._transport.app.state.platform  # type: ignore[attr-defined]
        jobs = f"{settings.database_name}.jobs"

        async def looked() -> int:
            return await requests_counted(platform.client, jobs)

        before = await steady(looked)

        async def unrelated(session: Any) -> None:
            await platform.db.unrelated.insert_one({"at": utcnow()}, session=session)

        for _ in range(10):
            await platform.transaction(unrelated)
        await asyncio.sleep(0.3)
        assert await looked() == before

        async def queue(session: Any) -> str:
            return await start_job(platform, kind="unknown-to-this-service", owner=AMINA, scope=SCOPE, params={},
                                   session=session)

        job_id = await platform.transaction(queue)
        # Taken at once after its commit, long before the poll: the worker fails a kind it has no handler for.
        assert (await finished(http, keys, job_id))["state"] == "failed"
        assert await looked() > before
