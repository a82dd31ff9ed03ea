"""An organizer cancels on a participant's behalf: the participant is told, the seat goes to the
waiting list, the act is audited, a second cancel is refused."""

from registration_factories import registration_service

from support import Infra, Keys, eventually


async def test_an_organizer_cancels_for_the_participant_and_the_waiting_list_moves_up(
        infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        cid = (await svc.conference(capacity=1))["id"]
        seated = (await svc.register(cid, email="seated@example.ma", language="fr"))["registration"]
        waiting = (await svc.register(cid))["registration"]
        assert waiting["status"] == "waitlisted"
        organizer = svc.keys.headers(f"organizer:conference:{cid}", sub="nadia@example.ma")
        cancelled = await svc.client.post(f"/admin/registrations/{seated['id']}/cancel", headers=organizer)
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        promoted = await svc.client.get(f"/admin/registrations/{waiting['id']}", headers=organizer)
        assert promoted.json()["status"] == "confirmed"
        again = await svc.client.post(f"/admin/registrations/{seated['id']}/cancel", headers=organizer)
        assert again.status_code == 409

        async def told() -> bool:
            return any("annulée" in m["Subject"] for m in svc.mails.to("seated@example.ma"))

        await eventually(told)
        audit = (await svc.client.get("/admin/audit", params={"object_id": seated["id"]},
                                      headers=svc.organizer)).json()
        assert [(e["action"], e["actor_sub"]) for e in audit["items"]] == [("registration.cancel", "nadia@example.ma")]
        stranger = await svc.client.post(f"/admin/registrations/{waiting['id']}/cancel",
                                         headers=svc.keys.headers("organizer:conference:another"))
        assert stranger.status_code == 403
