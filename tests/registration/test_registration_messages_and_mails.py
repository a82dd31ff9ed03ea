"""Published messages (documented fields, no personal data) and the notification mails."""

import asyncio
from datetime import UTC, datetime

from registration_factories import decode_qr, registration_service

from registration.mailer import MAIL_BATCH
from registration.service import context_of
from shared.envelope import Envelope
from support import Infra, Keys, envelope_of, eventually, produce_raw, read_topic

CONFERENCE_FIELDS = {"conference_id", "kind", "edition", "title", "slogan", "city", "region", "venue", "starts_on",
                     "ends_on", "timezone", "capacity", "registration_opens_at", "registration_closes_at",
                     "requires_approval"}
PARTICIPANT_FIELDS = {"registration_id", "conference_id", "status", "category", "region", "gender", "age_band",
                      "language", "at", "version"}


async def test_each_message_type_is_published_with_the_documented_fields(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference(capacity=1, requires_approval=True)
        cid = conference["id"]
        await svc.client.patch(f"/admin/conferences/{cid}", json={"capacity": 2}, headers=svc.organizer)
        a = await svc.register(cid, email="a@example.ma", phone="0611111111")
        b = await svc.register(cid)
        c = await svc.register(cid)
        open_conf = await svc.conference()
        d = await svc.register(open_conf["id"])
        await svc.client.post(f"/admin/registrations/{a['registration']['id']}/approve", headers=svc.organizer)
        await svc.client.post(f"/admin/registrations/{b['registration']['id']}/reject", headers=svc.organizer)
        await svc.client.post(f"/registrations/{d['registration']['id']}/cancel", params={"token": d["manage_token"]})
        await svc.client.post(f"/admin/registrations/{c['registration']['id']}/approve", headers=svc.organizer)
        png = await svc.client.get(f"/registrations/{a['registration']['id']}/badge.png",
                                   params={"token": a["manage_token"]})
        assert png.status_code == 200
        signer = context_of(svc.platform).signer
        badge = signer.sign({"t": "badge", "r": a["registration"]["id"], "c": cid})
        await svc.client.post(f"/checkin/conferences/{cid}/scans", json={"token": badge, "device_id": "gate-1"},
                              headers=svc.staff(cid))
        await svc.client.post(f"/admin/registrations/{a['registration']['id']}/erase", headers=svc.organizer)

        conferences = await read_topic(infra.kafka_bootstrap, svc.settings.topic("registration.conferences"),
                                       expect=3)
        seen = [envelope_of(r) for r in conferences]
        # Order is guaranteed per subject (one partition per key), not across conferences.
        per_subject: dict[str, list[str]] = {}
        for envelope in seen:
            per_subject.setdefault(envelope["subject"], []).append(envelope["type"])
        assert per_subject == {cid: ["registration.conference-created.v1", "registration.conference-updated.v1"],
                               open_conf["id"]: ["registration.conference-created.v1"]}
        assert all(set(e["data"]) == CONFERENCE_FIELDS for e in seen)
        updated = next(e for e in seen if e["type"] == "registration.conference-updated.v1")
        assert updated["data"]["capacity"] == 2

        # One message per registration (with the status it got), then one per change.
        expected = 11
        records = await read_topic(infra.kafka_bootstrap, svc.settings.topic("registration.participants"),
                                   expect=expected)
        envelopes = [envelope_of(r) for r in records]
        types = {e["type"].removeprefix("registration.participant-").removesuffix(".v1") for e in envelopes}
        assert types == {"registered", "promoted", "approved", "rejected", "cancelled", "checked-in", "erased"}
        arrivals = {e["subject"]: e["data"]["status"] for e in envelopes
                    if e["type"] == "registration.participant-registered.v1"}
        assert arrivals == {a["registration"]["id"]: "pending", b["registration"]["id"]: "pending",
                            c["registration"]["id"]: "waitlisted", d["registration"]["id"]: "confirmed"}
        for envelope in envelopes:
            extra = {"registration.participant-checked-in.v1": {"checked_in_at", "device_id"},
                     "registration.participant-erased.v1": {"erased_at"}}.get(envelope["type"], set())
            assert set(envelope["data"]) == PARTICIPANT_FIELDS | extra, envelope["type"]
            assert envelope["subject"] == envelope["data"]["registration_id"]
        versions: dict[str, list[int]] = {}
        for envelope in envelopes:  # one key per registration: its messages are in commit order
            versions.setdefault(envelope["subject"], []).append(envelope["data"]["version"])
        for subject, numbers in versions.items():
            # registered is version 1; each change adds one
            assert numbers == list(range(1, len(numbers) + 1)), (subject, numbers)
        assert versions[a["registration"]["id"]] == [1, 2, 3, 4]  # registered, approved, checked in, erased
        by_type = {(e["type"], e["subject"]): e["data"] for e in envelopes}
        assert by_type[("registration.participant-promoted.v1", c["registration"]["id"])]["status"] == "pending"
        assert by_type[("registration.participant-checked-in.v1", a["registration"]["id"])]["device_id"] == "gate-1"
        raw = b"".join(r.value for r in records)
        assert b"a@example.ma" not in raw and b"611111111" not in raw and b"Participant" not in raw


async def test_mails_go_out_in_the_participants_language_with_the_badge_attached(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference(capacity=1)
        seated = await svc.register(conference["id"], email="amal@example.ma", language="ar",
                                    full_name="أمل الفاسي")
        await svc.register(conference["id"], email="jean@example.ma", language="fr")
        await eventually(lambda: _count(svc, 2))
        confirmation = svc.mails.to("amal@example.ma")[0]
        assert confirmation["Subject"].startswith("تأكيد تسجيلكم")
        assert confirmation["Content-Language"] == "ar"
        body = confirmation.get_body(("plain",)).get_content()
        assert "أمل الفاسي" in body and seated["registration"]["id"] in body
        attachments = list(confirmation.iter_attachments())
        assert [a.get_content_type() for a in attachments] == ["image/png"]
        # The participant's own badge, readable.
        badge = context_of(svc.platform).signer.verifier().verify(decode_qr(attachments[0].get_content()), kind="badge")
        assert badge["r"] == seated["registration"]["id"]
        waitlisted = svc.mails.to("jean@example.ma")[0]
        assert waitlisted["Subject"].startswith("Vous êtes sur liste d'attente")
        assert waitlisted["Content-Language"] == "fr"
        assert not list(waitlisted.iter_attachments())

        await svc.client.post(f"/registrations/{seated['registration']['id']}/cancel",
                              params={"token": seated["manage_token"]})
        await eventually(lambda: _count(svc, 4))
        assert svc.mails.to("amal@example.ma")[1]["Subject"].startswith("تم إلغاء تسجيلكم")
        promoted = svc.mails.to("jean@example.ma")[1]
        assert promoted["Subject"].startswith("Une place s'est libérée")
        assert len(list(promoted.iter_attachments())) == 1


async def test_a_redelivered_message_is_not_mailed_twice(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        once = await svc.register(conference["id"], email="once@example.ma")
        await _cancel(svc, once)
        await eventually(lambda: _count(svc, 2))
        topic = svc.settings.topic("registration.participants")
        records = await read_topic(infra.kafka_bootstrap, topic, expect=2)
        cancelled = next(r for r in records if envelope_of(r)["type"].endswith("cancelled.v1"))
        await produce_raw(infra.kafka_bootstrap, topic, cancelled.value, key=cancelled.key)
        mail_id = Envelope.from_bytes(cancelled.value).id
        # A message produced after the replay has been mailed proves the replay was consumed and skipped.
        other = await svc.register(conference["id"], email="after@example.ma")
        await _cancel(svc, other)
        await eventually(lambda: _count(svc, 4))
        assert len(svc.mails.to("once@example.ma")) == 2
        assert len(svc.mails.to("after@example.ma")) == 2
        stored = await svc.platform.db.mails.find_one({"_id": mail_id})
        assert stored["state"] == "sent" and stored["attempts"] == 1


async def test_the_registration_mail_is_queued_with_the_registration_without_kafka(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference(capacity=1)
        await svc.platform.relay.stop()  # nothing reaches Kafka: no message can be read back
        seated = await svc.register(conference["id"], email="seated@example.ma")
        waiting = await svc.register(conference["id"], email="waiting@example.ma")
        await eventually(lambda: _count(svc, 2))
        entries = await svc.platform.outbox.collection.find(
            {"type": "registration.participant-registered.v1"}).to_list()
        assert {e["status"] for e in entries} == {"pending"}
        message_of = {e["subject"]: e["_id"] for e in entries}
        mails = {m["registration_id"]: m for m in await svc.platform.db.mails.find({}).to_list()}
        # One mail per registration, keyed by its registered message, of the kind its status calls for.
        assert {rid: (m["_id"], m["kind"], m["state"]) for rid, m in mails.items()} == {
            seated["registration"]["id"]: (message_of[seated["registration"]["id"]], "confirmed", "sent"),
            waiting["registration"]["id"]: (message_of[waiting["registration"]["id"]], "waitlisted", "sent")}


async def _cancel(svc, created) -> None:  # type: ignore[no-untyped-def]
    answer = await svc.client.post(f"/registrations/{created['registration']['id']}/cancel",
                                   params={"token": created["manage_token"]})
    assert answer.status_code == 200, answer.text


async def test_registration_succeeds_while_the_mail_server_is_down_and_mail_follows(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        svc.settings.smtp_port = 1  # nothing listens there
        conference = await svc.conference()
        created = await svc.register(conference["id"], email="patient@example.ma")
        assert created["registration"]["status"] == "confirmed"
        failed = await eventually(lambda: svc.platform.db.mails.find_one({"last_error": {"$exists": True}}))
        assert failed["state"] == "pending"
        svc.settings.smtp_port = svc.mails.port
        await svc.platform.db.mails.update_one({"_id": failed["_id"]}, {"$set": {"due_at": failed["created_at"]}})
        await eventually(lambda: _count(svc, 1))
        assert svc.mails.to("patient@example.ma")


async def test_several_senders_work_at_once_and_each_mail_goes_out_once(infra: Infra, keys: Keys) -> None:
    """Three senders against a mail server that accepts and stays silent: more mails than two batches
    hold, so three connections are open at once, each sender with its own mails."""
    silent_connections: list[asyncio.StreamWriter] = []

    async def accept_and_wait(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        silent_connections.append(writer)

    silent = await asyncio.start_server(accept_and_wait, "127.0.0.1", 0)
    async with silent, registration_service(infra, keys, mail_senders=3, smtp_timeout_seconds=3.0) as svc:
        svc.settings.smtp_port = silent.sockets[0].getsockname()[1]
        conference = await svc.conference()
        emails = [f"p{n}@example.ma" for n in range(2 * MAIL_BATCH + 10)]
        await asyncio.gather(*(svc.register(conference["id"], email=email) for email in emails))

        async def three_in_flight() -> list[dict]:  # type: ignore[type-arg]
            held = await svc.platform.db.mails.find({"state": "sending"}).to_list(None)
            return held if len({mail["owner"] for mail in held}) == 3 and len(silent_connections) == 3 else []

        held = await eventually(three_in_flight)
        # A mail is held by one sender only, and no sender opened a second connection meanwhile.
        assert len({mail["_id"] for mail in held}) == len(held)
        # The silent server times the senders out; with the real one back, every mail is sent once.
        svc.settings.smtp_port = svc.mails.port
        await eventually(lambda: _retry_now(svc))
        await eventually(lambda: _count(svc, len(emails)), timeout=60)
        assert sorted(m["To"] for m in svc.mails.mails) == sorted(emails)
        states = await svc.platform.db.mails.distinct("state")
        assert states == ["sent"]
        for writer in silent_connections:
            writer.close()


async def _retry_now(svc) -> bool:  # type: ignore[no-untyped-def]
    """Make every mail waiting for a retry due now; True once none is left in flight."""
    mails = svc.platform.db.mails
    await mails.update_many({"state": "pending", "last_error": {"$exists": True}}, {"$set": {"due_at": _past()}})
    return await mails.count_documents({"state": "sending"}) == 0 and \
        await mails.count_documents({"state": "pending", "last_error": {"$exists": True}}) == 0


def _past() -> datetime:
    return datetime(2000, 1, 1, tzinfo=UTC)


async def _count(svc, n: int) -> bool:  # type: ignore[no-untyped-def]
    return len(svc.mails.mails) >= n


async def test_the_confirmation_mail_links_to_the_participants_page_and_writes_dates_in_their_language(
        infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference(starts_on="2027-03-30", ends_on="2027-03-31")
        french = await svc.register(conference["id"], email="salma@example.ma", language="fr")
        await svc.register(conference["id"], email="karim@example.ma", language="ar")
        await eventually(lambda: _count(svc, 2))
        body = svc.mails.to("salma@example.ma")[0].get_body(("plain",)).get_content()
        rid = french["registration"]["id"]
        assert f"{svc.settings.base_url}/my/{rid}?token={french['manage_token']}&lang=fr" in body
        assert f"/registrations/{rid}" not in body
        assert "30–31 mar. 2027" in body and "2027-03-30" not in body
        arabic_body = svc.mails.to("karim@example.ma")[0].get_body(("plain",)).get_content()
        assert "30–31 مارس 2027" in arabic_body and "2027-03-31" not in arabic_body

        # The link opens the page, not the JSON of the API.
        link = next(word for word in body.split() if word.startswith(svc.settings.base_url + "/my/"))
        page = await svc.client.get(link.removeprefix(svc.settings.base_url))
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert 'id="reg-status"' in page.text
