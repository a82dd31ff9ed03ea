"""Two registration processes on one database and one set of topics, as with two replicas.

Concurrent registrations and cancellations are spread over both processes. Afterwards:
capacity holds exactly, every effect is published exactly once (one message per
registration and change, none missing, none twice), each mail goes out once although
both processes consume the topic and run a mail sender, and when one process stops the
other takes over the outbox and keeps publishing.
"""

import asyncio
import os
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient
from registration_factories import conference_body, participant_body

from infra import probes
from support import Infra, Keys, envelope_of, eventually, mail_catcher, read_topic, unique

CAPACITY = 40
REGISTRATIONS = 160
CANCELLATIONS = 15


@contextmanager
def registration_process(infra: Infra, keys: Keys, *, db: str, prefix: str, smtp_port: int, signing_key: Path,
                         log: Path) -> Iterator[tuple[str, int]]:
    """``python -m registration`` on a free port; yields its base URL and PID, stops it (SIGTERM) at the end."""
    port = probes.free_port()
    env = {
        **os.environ,
        **infra.env(prefix, db),
        "SERVICE_NAME": "registration", "HOST": "127.0.0.1", "PORT": str(port),
        "JWT_PUBLIC_KEY_FILE": str(keys.public_file), "SIGNING_KEY_FILE": str(signing_key),
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port),
        "OUTBOX_POLL_SECONDS": "0.1", "OUTBOX_LEASE_SECONDS": "2", "MAIL_POLL_SECONDS": "0.2",
        "KAFKA_SESSION_TIMEOUT_MS": "6000", "KAFKA_HEARTBEAT_INTERVAL_MS": "500", "LOG_LEVEL": "WARNING",
    }
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "registration"], env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        probes.wait_http(f"http://127.0.0.1:{port}/readyz", timeout=90)
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@asynccontextmanager
async def two_processes(infra: Infra, keys: Keys, tmp: Path, smtp_port: int) -> AsyncIterator[list[Any]]:
    signing = Keys.generate(tmp / "signing").private_file
    db, prefix = unique("two").replace("-", "_"), unique("two") + "."
    with registration_process(infra, keys, db=db, prefix=prefix, smtp_port=smtp_port, signing_key=signing,
                              log=tmp / "a.log") as (url_a, _), \
            registration_process(infra, keys, db=db, prefix=prefix, smtp_port=smtp_port, signing_key=signing,
                                 log=tmp / "b.log") as (url_b, _):
        async with httpx.AsyncClient(base_url=url_a, timeout=60) as a, \
                httpx.AsyncClient(base_url=url_b, timeout=60) as b:
            yield [a, b, prefix]


async def test_two_processes_keep_capacity_exact_and_publish_each_effect_once(infra: Infra, keys: Keys,
                                                                              tmp_path: Path) -> None:
    organizer = keys.headers("admin")
    async with mail_catcher() as mails, two_processes(infra, keys, tmp_path, mails.port) as (a, b, prefix):
        created = await a.post("/admin/conferences", json=conference_body(capacity=CAPACITY), headers=organizer)
        assert created.status_code == 201, created.text
        cid = created.json()["id"]
        clients = [a, b]

        # The rush: every other request goes to the other process.
        bodies = [participant_body(email=f"rush{n}@example.ma") for n in range(REGISTRATIONS)]
        answers = await asyncio.gather(*(
            clients[n % 2].post(f"/conferences/{cid}/registrations", json=body) for n, body in enumerate(bodies)))
        assert [r.status_code for r in answers] == [201] * REGISTRATIONS, [r.text for r in answers if
                                                                            r.status_code != 201][:3]
        registered = [r.json() for r in answers]
        first_status = Counter(r["registration"]["status"] for r in registered)
        assert first_status == {"confirmed": CAPACITY, "waitlisted": REGISTRATIONS - CAPACITY}

        # Cancellations through both processes at once: each frees a seat that goes to the
        # oldest waitlisted participant, so the count of seat holders never moves.
        confirmed = [r for r in registered if r["registration"]["status"] == "confirmed"][:CANCELLATIONS]
        cancels = await asyncio.gather(*(
            clients[n % 2].post(f"/registrations/{r['registration']['id']}/cancel",
                                params={"token": r["manage_token"]}) for n, r in enumerate(confirmed)))
        assert [r.status_code for r in cancels] == [200] * CANCELLATIONS, [r.text for r in cancels][:3]

        stats = (await b.get(f"/admin/conferences/{cid}/stats", headers=organizer)).json()
        assert stats["by_status"] == {"confirmed": CAPACITY, "cancelled": CANCELLATIONS,
                                      "waitlisted": REGISTRATIONS - CAPACITY - CANCELLATIONS}
        # The oldest waitlisted were the ones promoted, whichever process handled the cancel.
        waitlisted_in_order = sorted((r for r in registered if r["registration"]["status"] == "waitlisted"),
                                     key=lambda r: r["registration"]["number"])
        promoted_ids = {r["registration"]["id"] for r in waitlisted_in_order[:CANCELLATIONS]}

        # Messages: exactly the effects, once each.
        expected = Counter({"registered": REGISTRATIONS, "cancelled": CANCELLATIONS, "promoted": CANCELLATIONS})
        total = sum(expected.values())
        records = await read_topic(infra.kafka_bootstrap, f"{prefix}registration.participants", expect=total,
                                   timeout=60)
        # Anything published twice would show up after the expected count: read a little longer.
        records += await _more_records(infra, f"{prefix}registration.participants", already=len(records))
        envelopes = [envelope_of(r) for r in records]
        verbs = Counter(e["type"].removeprefix("registration.participant-").removesuffix(".v1") for e in envelopes)
        print(f"two processes: {REGISTRATIONS} registrations, {CANCELLATIONS} cancellations, "
              f"{len(envelopes)} messages {dict(verbs)}")
        assert verbs == expected
        assert len({e["id"] for e in envelopes}) == total
        assert len({(e["type"], e["subject"]) for e in envelopes}) == total
        assert {e["subject"] for e in envelopes if e["type"].endswith("promoted.v1")} == promoted_ids
        # The registered message carries the status each registration was answered with.
        assert {e["subject"]: e["data"]["status"] for e in envelopes if e["type"].endswith("registered.v1")} == {
            r["registration"]["id"]: r["registration"]["status"] for r in registered}

        # Mails: both processes queue mails, consume the topic and send mails; each mail goes out once.
        # Per participant: one on registering, one more for the promoted, one for the cancelled.
        def mails_expected() -> Counter[str]:
            wanted: Counter[str] = Counter({body["email"]: 1 for body in bodies})
            cancelled_ids = {r["registration"]["id"] for r in confirmed}
            for body, answer in zip(bodies, registered, strict=True):
                if answer["registration"]["id"] in promoted_ids | cancelled_ids:
                    wanted[body["email"]] += 1
            return wanted

        async def all_mails_sent() -> bool:
            return len(mails.mails) >= sum(mails_expected().values())

        await eventually(all_mails_sent, timeout=120, interval=0.5)
        await asyncio.sleep(2)  # a duplicate would arrive right behind
        assert Counter(m["To"] for m in mails.mails) == mails_expected()


async def test_when_the_relaying_process_stops_the_other_takes_over_the_outbox(infra: Infra, keys: Keys,
                                                                                tmp_path: Path) -> None:
    organizer = keys.headers("admin")
    signing = Keys.generate(tmp_path / "signing").private_file
    db, prefix = unique("handover").replace("-", "_"), unique("handover") + "."
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongo_url)
    leases = mongo[db]["outbox_leases"]

    async def relay_pid() -> int | None:
        lease = await leases.find_one({"_id": "relay"})
        return int(lease["owner"].split(":")[1]) if lease else None

    async with mail_catcher() as mails:
        first = ExitStack()
        url_a, pid_a = first.enter_context(registration_process(
            infra, keys, db=db, prefix=prefix, smtp_port=mails.port, signing_key=signing, log=tmp_path / "a.log"))
        try:
            # Alone, the first process takes the outbox lease; it keeps it while it lives.
            await eventually(lambda: _equals(relay_pid(), pid_a))
            with registration_process(infra, keys, db=db, prefix=prefix, smtp_port=mails.port, signing_key=signing,
                                      log=tmp_path / "b.log") as (url_b, pid_b):
                async with httpx.AsyncClient(base_url=url_a, timeout=60) as a, \
                        httpx.AsyncClient(base_url=url_b, timeout=60) as b:
                    created = await a.post("/admin/conferences", json=conference_body(capacity=10), headers=organizer)
                    cid = created.json()["id"]
                    before = await asyncio.gather(*(
                        (a, b)[n % 2].post(f"/conferences/{cid}/registrations", json=participant_body())
                        for n in range(20)))
                    assert {r.status_code for r in before} == {201}
                    assert await relay_pid() == pid_a
                    first.close()  # the relaying process stops
                    after = await asyncio.gather(*(
                        b.post(f"/conferences/{cid}/registrations", json=participant_body()) for _ in range(10)))
                    assert {r.status_code for r in after} == {201}
                    await eventually(lambda: _equals(relay_pid(), pid_b))
                    ids = {r.json()["registration"]["id"] for r in before + after}
                    topic = f"{prefix}registration.participants"
                    records = await read_topic(infra.kafka_bootstrap, topic, expect=len(ids), timeout=60)
                    records += await _more_records(infra, topic, already=len(records))
        finally:
            first.close()
            await mongo.close()
    envelopes = [envelope_of(r) for r in records]
    registered = [e["subject"] for e in envelopes if e["type"] == "registration.participant-registered.v1"]
    print(f"handover: {len(ids)} registrations, {len(envelopes)} messages; relay moved from PID {pid_a} to {pid_b}")
    assert sorted(registered) == sorted(ids)
    assert len(envelopes) == len(ids) and len({e["id"] for e in envelopes}) == len(ids)


async def _equals(value: Awaitable[Any], expected: Any) -> bool:
    return bool(await value == expected)


async def _more_records(infra: Infra, topic: str, *, already: int) -> list[Any]:
    """Records beyond the first ``already`` (there should be none), read for a few seconds."""
    everything = await read_topic(infra.kafka_bootstrap, topic, expect=already + 1, timeout=3)
    return everything[already:]
