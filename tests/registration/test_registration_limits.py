"""Hostile input at registration: oversized texts, titles on several lines, moments and numbers out of range."""

import io
from datetime import UTC, date, datetime

from openpyxl import load_workbook
from pymongo.asynchronous.client_session import AsyncClientSession
from registration_factories import conference_body, participant_body, registration_service

from registration.events import CONFERENCES, ConferenceUpdated
from shared.envelope import message_envelope
from shared.i18n import LocalizedText
from support import Infra, Keys, eventually


async def test_five_megabyte_title_is_refused_and_registrations_after_it_are_still_published(
    infra: Infra, keys: Keys
) -> None:
    async with registration_service(infra, keys) as svc:
        huge = conference_body(title={"fr": "A" * 5_000_000})
        refused = await svc.client.post("/admin/conferences", json=huge, headers=svc.organizer)
        assert refused.status_code == 413 and refused.json()["code"] == "request_too_large"
        conference = await svc.conference()
        await svc.register(conference["id"], email="after.refusal@example.ma")

        async def all_published() -> bool:
            return await svc.platform.outbox.pending_count() == 0
        await eventually(all_published)
        entries = await svc.platform.outbox.written()
        assert {e["status"] for e in entries} == {"sent"}
        assert {e["type"] for e in entries} >= {"registration.conference-created.v1",
                                                "registration.participant-registered.v1"}


async def test_a_message_kafka_refuses_is_set_aside_and_mails_of_later_registrations_go_out(
    infra: Infra, keys: Keys
) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        await svc.platform.relay.stop()
        # As a conference stored before titles had a limit would be announced: the producer's own class,
        # built without validation, with a title far over Kafka's message size limit.
        oversized = ConferenceUpdated.model_construct(
            conference_id=conference["id"], kind="national_conference", edition=6,
            title=LocalizedText.model_construct(fr="A" * 2_000_000, ar=None, en=None), slogan=None, city="Skhirat",
            region="rabat-sale-kenitra", venue="Palais", starts_on=date(2027, 6, 16), ends_on=date(2027, 6, 17),
            timezone="Africa/Casablanca", capacity=100, registration_opens_at=None, registration_closes_at=None,
            requires_approval=False)
        envelope = message_envelope(oversized, source="registration", subject=conference["id"])

        async def write(session: AsyncClientSession) -> None:
            await svc.platform.outbox.add(session, CONFERENCES, envelope)
        await svc.platform.transaction(write)
        await svc.register(conference["id"], email="after.oversized@example.ma")
        svc.platform.relay.start()

        async def mailed() -> bool:
            return bool(svc.mails.to("after.oversized@example.ma"))
        await eventually(mailed, timeout=60)
        dead = await svc.platform.outbox.collection.find_one({"_id": envelope.id})
        assert dead["status"] == "dead"
        assert await svc.platform.outbox.pending_count() == 0


async def test_title_slogan_and_venue_longer_than_their_limit_are_refused_with_the_limit(
    infra: Infra, keys: Keys
) -> None:
    async with registration_service(infra, keys) as svc:
        body = conference_body(title={"fr": "T" * 301}, slogan={"ar": "ش" * 301}, venue="V" * 201)
        refused = await svc.client.post("/admin/conferences", json=body,
                                        headers=svc.organizer | {"Accept-Language": "en"})
        assert refused.status_code == 422
        errors = {e["field"]: e for e in refused.json()["errors"]}
        assert {f: e["code"] for f, e in errors.items()} == {
            "title.fr": "field_too_long", "slogan.ar": "field_too_long", "venue": "field_too_long"}
        assert errors["title.fr"]["message"] == "The value is too long (maximum 300)."
        assert await svc.platform.db.conferences.count_documents({}) == 0


async def test_conference_title_with_a_line_break_is_refused_on_creation_and_on_change(
    infra: Infra, keys: Keys
) -> None:
    async with registration_service(infra, keys) as svc:
        for title in ({"fr": "Assises\nBcc: everyone@example.ma"}, {"ar": "المناظرة\r\nالوطنية"}):
            refused = await svc.client.post("/admin/conferences", json=conference_body(title=title),
                                            headers=svc.organizer | {"Accept-Language": "ar"})
            assert refused.status_code == 422
            [error] = refused.json()["errors"]
            assert error["code"] == "field_not_single_line" and error["message"].startswith("يجب أن تكون القيمة سطرا")
        conference = await svc.conference()
        changed = await svc.client.patch(f"/admin/conferences/{conference['id']}",
                                         json={"title": {"en": "Two\u2028lines"}}, headers=svc.organizer)
        assert changed.status_code == 422 and changed.json()["errors"][0]["code"] == "field_not_single_line"
        stored = await svc.platform.db.conferences.find_one({"_id": conference["id"]})
        assert stored["title"] == conference_body()["title"]


async def test_registration_opening_before_1970_in_utc_is_refused_and_public_lists_keep_answering(
    infra: Infra, keys: Keys
) -> None:
    async with registration_service(infra, keys) as svc:
        body = conference_body(registration_opens_at="1970-01-01T00:00:00+01:00")
        refused = await svc.client.post("/admin/conferences", json=body, headers=svc.organizer)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["code"] == "moment_out_of_range"
        late = conference_body(registration_closes_at="2200-12-31T23:59:59-12:00")
        assert (await svc.client.post("/admin/conferences", json=late, headers=svc.organizer)).status_code == 422
        conference = await svc.conference(registration_opens_at="1970-01-01T01:00:00+01:00")
        moved = await svc.client.patch(f"/admin/conferences/{conference['id']}",
                                       json={"registration_opens_at": "1970-01-01T00:59:59+01:00"},
                                       headers=svc.organizer)
        assert moved.status_code == 422
        assert (await svc.client.get("/conferences")).status_code == 200
        assert (await svc.client.get("/")).status_code == 200


async def test_edition_and_page_beyond_their_range_are_problems_not_server_errors(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        refused = await svc.client.post("/admin/conferences", json=conference_body(edition=99999999999999999999),
                                        headers=svc.organizer)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "edition"
        conference = await svc.conference()
        for page in ("9223372036854775807", "99999999999999999999"):
            search = await svc.client.get(f"/admin/conferences/{conference['id']}/registrations",
                                          params={"page": page}, headers=svc.organizer)
            assert search.status_code == 422
            assert search.headers["content-type"] == "application/problem+json"
            assert search.json()["errors"][0]["code"] == "field_out_of_range"


async def test_participant_name_changed_with_line_breaks_is_kept_on_one_line(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        created = await svc.register(conference["id"])
        changed = await svc.client.patch(
            f"/registrations/{created['registration']['id']}",
            json={"full_name": "Amina\r\nBcc: x@example.ma", "organization_name": "Coop\nArgane"},
            params={"token": created["manage_token"]})
        assert changed.status_code == 200, changed.text
        assert changed.json()["full_name"] == "Amina Bcc: x@example.ma"
        assert changed.json()["organization_name"] == "Coop Argane"


async def test_a_conference_stored_before_the_limits_still_lists(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        await svc.platform.db.conferences.update_one({"_id": conference["id"]}, {"$set": {
            "title": {"fr": "Assises\nnationales " + "x" * 6000, "ar": None, "en": None},
            "registration_opens_at": datetime(1969, 12, 31, 23, 0, tzinfo=UTC)}})
        listed = await svc.client.get("/conferences")
        assert listed.status_code == 200
        assert [c["title"]["fr"][:18] for c in listed.json()] == ["Assises\nnationales"]
        assert (await svc.client.get(f"/conferences/{conference['id']}")).status_code == 200
        assert (await svc.client.get("/")).status_code == 200


async def test_control_characters_in_a_name_or_needs_are_refused_and_the_workbook_still_opens(
        infra: Infra, keys: Keys) -> None:
    """A name with an invisible control character once made the organizers' XLSX export fail (500)."""
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        for field, value in (("full_name", "Amina\x01 Alaoui"), ("accessibility_needs", "fauteuil\x00")):
            refused = await svc.client.post(f"/conferences/{conference['id']}/registrations",
                                            json=participant_body(**{field: value}), headers={"Accept-Language": "fr"})
            assert refused.status_code == 422, refused.text
            assert "caractères de contrôle" in refused.text
        kept = await svc.register(conference["id"], accessibility_needs="rampe\n\tascenseur")
        assert kept["registration"]["accessibility_needs"] == "rampe\n\tascenseur"
        # A text stored before the rule (here written straight into the database) loses its control
        # characters in the workbook instead of breaking the export.
        await svc.platform.db["registrations"].update_one({"_id": kept["registration"]["id"]},
                                                          {"$set": {"organization_name": "Coop\x02 Argane"}})
        workbook = await svc.client.get(f"/admin/conferences/{conference['id']}/registrations.xlsx",
                                        headers=svc.organizer)
        assert workbook.status_code == 200
        sheet = load_workbook(io.BytesIO(workbook.content)).active
        assert "Coop Argane" in [c.value for row in sheet.iter_rows() for c in row]
