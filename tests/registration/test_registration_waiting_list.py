"""Cancelling, the waiting list, organizer decisions and erasure."""

from registration_factories import registration_service

from support import Infra, Keys


async def _status(svc, registration_id: str) -> str:  # type: ignore[no-untyped-def]
    response = await svc.client.get(f"/admin/registrations/{registration_id}", headers=svc.organizer)
    return str(response.json()["status"])


async def test_cancellation_promotes_the_oldest_waitlisted_of_the_same_category_in_order(
    infra: Infra, keys: Keys
) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference(capacity=2)
        cid = conference["id"]
        a = await svc.register(cid, organization_type="cooperative")
        await svc.register(cid, organization_type="association")
        c = await svc.register(cid, organization_type="association")
        d = await svc.register(cid, organization_type="cooperative")
        e = await svc.register(cid, organization_type="cooperative")
        assert [x["registration"]["status"] for x in (c, d, e)] == ["waitlisted"] * 3

        cancelled = await svc.client.post(f"/registrations/{a['registration']['id']}/cancel",
                                          params={"token": a["manage_token"]})
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        # d is the oldest waitlisted cooperative; c (an association) arrived earlier but is of another category.
        assert await _status(svc, d["registration"]["id"]) == "confirmed"
        assert await _status(svc, c["registration"]["id"]) == "waitlisted"
        assert await _status(svc, e["registration"]["id"]) == "waitlisted"

        await svc.client.post(f"/registrations/{d['registration']['id']}/cancel",
                              params={"token": d["manage_token"]})
        assert await _status(svc, e["registration"]["id"]) == "confirmed"
        again = await svc.client.post(f"/registrations/{a['registration']['id']}/cancel",
                                      params={"token": a["manage_token"]})
        assert again.status_code == 409 and again.json()["code"] == "already_cancelled"
        assert (await svc.client.get(f"/conferences/{cid}")).json()["seats_left"] == 0


async def test_freed_seat_goes_to_another_category_when_none_of_its_own_waits(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference(capacity=1)
        a = await svc.register(conference["id"], organization_type="media")
        b = await svc.register(conference["id"], organization_type="association")
        await svc.client.post(f"/registrations/{a['registration']['id']}/cancel", params={"token": a["manage_token"]})
        assert await _status(svc, b["registration"]["id"]) == "confirmed"


async def test_organizer_approves_and_rejects_pending_and_rejection_frees_the_seat(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference(capacity=2, requires_approval=True)
        a = await svc.register(conference["id"])
        b = await svc.register(conference["id"])
        c = await svc.register(conference["id"])
        assert c["registration"]["status"] == "waitlisted"
        approved = await svc.client.post(f"/admin/registrations/{a['registration']['id']}/approve",
                                         headers=svc.organizer)
        assert approved.json()["status"] == "confirmed"
        twice = await svc.client.post(f"/admin/registrations/{a['registration']['id']}/approve",
                                      headers=svc.organizer)
        assert twice.status_code == 409 and twice.json()["code"] == "not_pending"
        rejected = await svc.client.post(f"/admin/registrations/{b['registration']['id']}/reject",
                                         headers=svc.organizer)
        assert rejected.json()["status"] == "rejected"
        # The freed seat goes to c, who still needs approval on this conference.
        assert await _status(svc, c["registration"]["id"]) == "pending"


async def test_manual_promotion_needs_a_free_seat(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference(capacity=1)
        await svc.register(conference["id"])
        waiting = await svc.register(conference["id"])
        rid = waiting["registration"]["id"]
        full = await svc.client.post(f"/admin/registrations/{rid}/promote", headers=svc.organizer)
        assert full.status_code == 409 and full.json()["code"] == "capacity_reached"
        lowered = await svc.client.patch(f"/admin/conferences/{conference['id']}", json={"capacity": 0},
                                         headers=svc.organizer)
        assert lowered.status_code == 422
        below = await svc.client.patch(f"/admin/conferences/{conference['id']}", json={"quotas": {"cooperative": 0}},
                                       headers=svc.organizer)
        assert below.status_code == 409 and below.json()["code"] == "quota_below_taken"
        grown = await svc.client.patch(f"/admin/conferences/{conference['id']}", json={"capacity": 2},
                                       headers=svc.organizer)
        assert grown.status_code == 200 and grown.json()["seats_left"] == 1
        promoted = await svc.client.post(f"/admin/registrations/{rid}/promote", headers=svc.organizer)
        assert promoted.status_code == 200 and promoted.json()["status"] == "confirmed"


async def test_erasure_removes_personal_data_revokes_the_token_and_keeps_counts(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference()
        mine = await svc.register(conference["id"], full_name="Khadija Ait Lahcen", email="khadija@example.ma")
        rid = mine["registration"]["id"]
        erased = await svc.client.post(f"/admin/registrations/{rid}/erase", headers=svc.organizer)
        assert erased.status_code == 200
        body = erased.json()
        assert body["erased"] is True and body["status"] == "confirmed"
        assert body["full_name"] is None and body["email"] is None and body["phone"] is None
        stored = await svc.platform.db.registrations.find_one({"_id": rid})
        assert "khadija" not in str(stored).lower()
        revoked = await svc.client.get(f"/registrations/{rid}", params={"token": mine["manage_token"]})
        assert revoked.status_code == 403
        stats = (await svc.client.get(f"/admin/conferences/{conference['id']}/stats", headers=svc.organizer)).json()
        assert stats["by_status"] == {"confirmed": 1}
        # The address is free again: the person may register anew after erasure.
        await svc.register(conference["id"], email="khadija@example.ma")


async def test_an_erased_registration_on_the_waiting_list_is_passed_over(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        cid = (await svc.conference(capacity=1))["id"]
        seated = await svc.register(cid)
        erased, next_one = await svc.register(cid), await svc.register(cid)
        assert (await svc.client.post(f"/admin/registrations/{erased['registration']['id']}/erase",
                                      headers=svc.organizer)).status_code == 200
        await svc.client.post(f"/registrations/{seated['registration']['id']}/cancel",
                              params={"token": seated["manage_token"]})
        assert await _status(svc, next_one["registration"]["id"]) == "confirmed"
        assert await _status(svc, erased["registration"]["id"]) == "waitlisted"
        manual = await svc.client.post(f"/admin/registrations/{erased['registration']['id']}/promote",
                                       headers=svc.organizer)
        assert manual.status_code == 409 and manual.json()["code"] == "registration_erased"
