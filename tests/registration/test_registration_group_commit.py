"""Concurrent registrations for one conference are written together (group commit), each answered on its own.

Requests that arrive while a transaction for the conference is running are decided
together in the next one. Seats still go first come, first served: numbers 1..N without
gap, exactly the capacity confirmed, one ``registered`` message and one queued mail each.
"""

import asyncio
import re
from collections import Counter

from registration_factories import Running, participant_body, registration_service

from support import Infra, Keys, envelope_of, read_topic

SEATS = 50
RUSH = 200


async def test_a_rush_of_concurrent_registrations_keeps_capacity_numbers_and_one_message_each(
        infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference(capacity=SEATS)
        cid = conference["id"]
        bodies = [participant_body(email=f"rush{n}@example.ma") for n in range(RUSH)]
        answers = await asyncio.gather(*(svc.client.post(f"/conferences/{cid}/registrations", json=body)
                                         for body in bodies))
        assert [a.status_code for a in answers] == [201] * RUSH, [a.text for a in answers if a.status_code != 201][:3]
        registered = [a.json()["registration"] for a in answers]
        assert Counter(r["status"] for r in registered) == {"confirmed": SEATS, "waitlisted": RUSH - SEATS}
        assert sorted(r["number"] for r in registered) == list(range(1, RUSH + 1))
        # First come, first served: the confirmed ones are the first numbers.
        assert {r["number"] for r in registered if r["status"] == "confirmed"} == set(range(1, SEATS + 1))

        stored = await svc.platform.db.conferences.find_one({"_id": cid})
        assert (stored["taken"], stored["next_number"]) == (SEATS, RUSH)
        records = await read_topic(infra.kafka_bootstrap, svc.settings.topic("registration.participants"),
                                   expect=RUSH + 1, timeout=60)
        envelopes = [envelope_of(r) for r in records]
        assert len(envelopes) == RUSH  # nothing beyond one message per registration
        assert {e["type"] for e in envelopes} == {"registration.participant-registered.v1"}
        assert {e["subject"]: e["data"]["status"] for e in envelopes} == {r["id"]: r["status"] for r in registered}
        mails = await svc.platform.db.mails.find({}).to_list()
        assert Counter(m["kind"] for m in mails) == {"confirmed": SEATS, "waitlisted": RUSH - SEATS}
        assert {m["_id"] for m in mails} == {e["id"] for e in envelopes}

        written, alone = await _batches(svc)
        assert written < RUSH and written - alone > 0, (written, alone)


async def test_a_duplicate_email_in_a_batch_is_refused_and_the_others_are_registered(
        infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference(capacity=10)
        cid = conference["id"]
        before = await _batches(svc)
        emails = [f"batch{n}@example.ma" for n in range(8)]
        emails[5] = " Batch2@Example.ma"  # the same person as emails[2]
        answers = await asyncio.gather(*(svc.client.post(f"/conferences/{cid}/registrations",
                                                         json=participant_body(email=email)) for email in emails))
        codes = [a.status_code for a in answers]
        assert sorted(codes) == [201] * 7 + [409], [a.text for a in answers]
        refused = answers[codes.index(409)]
        assert refused.json()["code"] == "already_registered"
        assert codes.index(409) in (2, 5)
        registered = [a.json()["registration"] for a in answers if a.status_code == 201]
        assert sorted(r["number"] for r in registered) == list(range(1, 8))
        assert {r["status"] for r in registered} == {"confirmed"}
        assert await svc.platform.db.registrations.count_documents({"conference_id": cid}) == 7
        after = await _batches(svc)
        # The eight requests went in fewer transactions than eight, and at least one held several.
        assert after[0] - before[0] < len(emails) and (after[0] - after[1]) - (before[0] - before[1]) > 0


async def _batches(svc: Running) -> tuple[int, int]:
    """Transactions of registrations written so far, and those of them that held one request."""
    text = (await svc.client.get("/metrics")).text
    count = re.search(r"^tadamon_registration_batch_size_count (\S+)$", text, re.M)
    alone = re.search(r'^tadamon_registration_batch_size_bucket\{le="1\.0"\} (\S+)$', text, re.M)
    assert count and alone, "the batch size histogram is exported"
    return int(float(count.group(1))), int(float(alone.group(1)))


async def test_each_registration_of_a_batch_is_announced_with_its_own_requests_correlation_id(
        infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        answers = await asyncio.gather(*(
            svc.client.post(f"/conferences/{conference['id']}/registrations", json=participant_body(),
                            headers={"X-Correlation-ID": f"corr-batch-{n}"}) for n in range(12)))
        assert {a.status_code for a in answers} == {201}
        sent = {a.json()["registration"]["id"]: f"corr-batch-{n}" for n, a in enumerate(answers)}
        records = await read_topic(infra.kafka_bootstrap, svc.settings.topic("registration.participants"),
                                   expect=len(sent))
        assert {envelope_of(r)["subject"]: envelope_of(r)["correlationid"] for r in records} == sent
        written, alone = await _batches(svc)
        assert written - alone > 0, "the requests were written in batches"
