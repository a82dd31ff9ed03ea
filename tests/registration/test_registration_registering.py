"""Registering online: outcomes, capacity under concurrency, duplicates, validation, the manage token."""

import asyncio
from collections import Counter

from registration_factories import participant_body, registration_service

from support import Infra, Keys


async def test_300_concurrent_registrations_for_100_seats_confirm_exactly_100(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference(capacity=100)
        url = f"/conferences/{conference['id']}/registrations"
        responses = await asyncio.gather(*(svc.client.post(url, json=participant_body()) for _ in range(300)))
        assert all(r.status_code == 201 for r in responses), [r.text for r in responses if r.status_code != 201]
        regs = [r.json()["registration"] for r in responses]
        assert Counter(r["status"] for r in regs) == {"confirmed": 100, "waitlisted": 200}
        assert len({r["id"] for r in regs}) == 300
        assert sorted(r["number"] for r in regs) == list(range(1, 301))
        stored = await svc.platform.db.registrations.count_documents(
            {"conference_id": conference["id"], "status": "confirmed"})
        assert stored == 100
        after = (await svc.client.get(f"/conferences/{conference['id']}")).json()
        assert after["seats_left"] == 0


async def test_second_registration_with_same_email_is_rejected(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        await svc.register(conference["id"], email="Amina.Alaoui@Example.ma")
        again = await svc.client.post(f"/conferences/{conference['id']}/registrations",
                                      json=participant_body(email="  amina.alaoui@example.MA "),
                                      headers={"Accept-Language": "ar"})
        assert again.status_code == 409
        assert again.json()["code"] == "already_registered"
        assert again.json()["detail"] == "هذا البريد الإلكتروني مسجل من قبل في هذا الملتقى."


async def test_same_email_may_register_for_another_conference(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        first, second = await svc.conference(), await svc.conference()
        await svc.register(first["id"], email="same@example.ma")
        created = await svc.register(second["id"], email="same@example.ma")
        assert created["registration"]["status"] == "confirmed"


async def test_category_quota_reached_puts_the_participant_on_the_waiting_list(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference(capacity=10, quotas={"media": 1})
        first = await svc.register(conference["id"], organization_type="media")
        second = await svc.register(conference["id"], organization_type="media")
        other = await svc.register(conference["id"], organization_type="association")
        assert [first["registration"]["status"], second["registration"]["status"],
                other["registration"]["status"]] == ["confirmed", "waitlisted", "confirmed"]


async def test_registration_requiring_approval_is_pending(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference(requires_approval=True)
        created = await svc.register(conference["id"])
        assert created["registration"]["status"] == "pending"


async def test_moroccan_and_international_phone_formats_are_accepted_and_normalized(
    infra: Infra, keys: Keys
) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        phones = {"06 12 34 56 78": "+212612345678", "+212 5 37 12 34 56": "+212537123456",
                  "0033 6 12 34 56 78": "+33612345678", "+34 612 34 56 78": "+34612345678"}
        for raw, normalized in phones.items():
            created = await svc.register(conference["id"], phone=raw)
            assert created["registration"]["phone"] == normalized


async def test_bad_phone_missing_consent_and_unknown_region_get_localized_422(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        url = f"/conferences/{conference['id']}/registrations"
        body = participant_body(phone="12", consent=False, region="atlantis", email="not-an-email")
        response = await svc.client.post(url, json=body, headers={"Accept-Language": "fr"})
        assert response.status_code == 422
        codes = {e["field"]: e["code"] for e in response.json()["errors"]}
        assert codes["phone"] == "field_bad_phone"
        assert codes["consent"] == "consent_required"
        assert codes["email"] == "field_bad_email"
        assert codes["region"] == "field_not_allowed"
        assert "loi 09-08" in next(e["message"] for e in response.json()["errors"] if e["field"] == "consent")


async def test_registration_outside_the_window_is_refused(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        closed = await svc.conference(registration_closes_at="2020-01-01T00:00:00Z")
        later = await svc.conference(registration_opens_at="2099-01-01T00:00:00Z")
        for conference, code in ((closed, "registration_closed"), (later, "registration_not_open")):
            response = await svc.client.post(f"/conferences/{conference['id']}/registrations",
                                             json=participant_body())
            assert response.status_code == 409 and response.json()["code"] == code
        missing = await svc.client.post("/conferences/nope/registrations", json=participant_body())
        assert missing.status_code == 404 and missing.json()["code"] == "conference_not_found"


async def test_manage_token_opens_only_its_own_registration(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        mine = await svc.register(conference["id"], full_name="Fatima Zahra Bennani")
        other = await svc.register(conference["id"])
        rid, token = mine["registration"]["id"], mine["manage_token"]
        read = await svc.client.get(f"/registrations/{rid}", params={"token": token})
        assert read.status_code == 200 and read.json()["full_name"] == "Fatima Zahra Bennani"
        crossed = await svc.client.get(f"/registrations/{other['registration']['id']}", params={"token": token})
        assert crossed.status_code == 403 and crossed.json()["code"] == "invalid_manage_token"
        garbage = await svc.client.get(f"/registrations/{rid}", params={"token": token[:-4] + "AAAA"})
        assert garbage.status_code == 403


async def test_participant_changes_details_with_the_token(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        mine = await svc.register(conference["id"])
        rid, token = mine["registration"]["id"], mine["manage_token"]
        changed = await svc.client.patch(f"/registrations/{rid}", params={"token": token},
                                         json={"full_name": "Youssef El Idrissi", "language": "ar",
                                               "phone": "0661000000", "accessibility_needs": "fauteuil roulant"})
        assert changed.status_code == 200, changed.text
        assert changed.json()["full_name"] == "Youssef El Idrissi"
        assert changed.json()["phone"] == "+212661000000"
        refused = await svc.client.patch(f"/registrations/{rid}", params={"token": token},
                                         json={"email": "new@example.ma"})
        assert refused.status_code == 422


async def test_public_conference_pages_never_show_participants_data(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        await svc.register(conference["id"], email="secret.person@example.ma", phone="0612121212")
        for path in ("/conferences", f"/conferences/{conference['id']}", "/.well-known/jwks.json"):
            response = await svc.client.get(path)
            assert response.status_code == 200
            assert "secret.person" not in response.text and "612121212" not in response.text
        listing = await svc.client.get(f"/admin/conferences/{conference['id']}/registrations")
        assert listing.status_code == 401
        staff = await svc.client.get(f"/admin/conferences/{conference['id']}/registrations",
                                     headers=svc.staff(conference["id"]))
        assert staff.status_code == 403


async def test_a_participant_who_cancelled_may_register_again(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference(capacity=1)
        first = await svc.register(conference["id"], email="Hind@example.ma")
        rid = first["registration"]["id"]
        cancelled = await svc.client.post(f"/registrations/{rid}/cancel", params={"token": first["manage_token"]})
        assert cancelled.status_code == 200, cancelled.text

        again = await svc.register(conference["id"], email="hind@example.MA")
        assert again["registration"]["id"] != rid
        assert again["registration"]["status"] == "confirmed"
        # Back to one active registration per e-mail: a third try is refused, and the freed seat was taken.
        third = await svc.client.post(f"/conferences/{conference['id']}/registrations",
                                      json=participant_body(email="hind@example.ma"))
        assert third.status_code == 409 and third.json()["code"] == "already_registered"
        old = await svc.client.get(f"/registrations/{rid}", params={"token": first["manage_token"]})
        assert old.json()["status"] == "cancelled" and old.json()["email"] == "Hind@example.ma"
        # Organizers still find the cancelled registration by its e-mail.
        found = await svc.client.get(f"/admin/conferences/{conference['id']}/registrations",
                                     params={"q": "hind@"}, headers=svc.organizer)
        assert {r["status"] for r in found.json()["items"]} == {"cancelled", "confirmed"}


async def test_a_conference_that_has_ended_takes_no_registration(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference(starts_on="2025-06-17", ends_on="2025-06-18")
        refused = await svc.client.post(f"/conferences/{conference['id']}/registrations", json=participant_body(),
                                        headers={"Accept-Language": "en"})
        assert refused.status_code == 409
        assert refused.json()["code"] == "registration_closed"
        assert refused.json()["detail"] == "Registration for this conference is closed."
        assert (await svc.client.get(f"/conferences/{conference['id']}")).json()["registration_open"] is False
        assert await svc.platform.db.registrations.count_documents({"conference_id": conference["id"]}) == 0
        home = await svc.client.get("/", params={"lang": "fr"})
        assert f'href="/register/{conference["id"]}' not in home.text


async def test_a_value_outside_the_choices_is_explained_entirely_in_the_callers_language(
        infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        url = f"/conferences/{conference['id']}/registrations"
        words = {"ar": " أو ", "fr": " ou ", "en": ", or "}
        for lang, word in words.items():
            refused = await svc.client.post(url, json=participant_body(organization_type="cooperative-union"),
                                            headers={"Accept-Language": lang})
            assert refused.status_code == 422
            message = next(e["message"] for e in refused.json()["errors"] if e["field"] == "organization_type")
            assert message.endswith(f"media{word}other."), (lang, message)
            assert all(other not in message for other in words.values() if other != word), (lang, message)
        assert await svc.platform.db.registrations.count_documents({"conference_id": conference["id"]}) == 0
