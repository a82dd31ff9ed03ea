"""Scoped rights on every route of the agenda (derived from OpenAPI), and the audit log of programme edits."""

from pathlib import Path

from agenda_factories import DAY1, agenda_service, session_body
from scopes_support import check_every_route

from support import Infra, Keys

PUBLIC = {
    "GET /asyncapi.json",
    "GET /healthz", "GET /readyz", "GET /conferences/{conference_id}", "GET /conferences/{conference_id}/changelog",
    "GET /conferences/{conference_id}/schedule", "GET /conferences/{conference_id}/schedule.ics",
    "GET /conferences/{conference_id}/schedule.xml",
    # A participant acts with the manage token of their registration, a visitor with their agenda's id.
    "POST /sessions/{session_id}/signup", "DELETE /sessions/{session_id}/signup", "PUT /me/stars/{session_id}",
    "DELETE /me/stars/{session_id}", "GET /me/agenda", "GET /me/calendar.ics", "POST /agendas",
    "PUT /agendas/{agenda_id}/stars/{session_id}", "DELETE /agendas/{agenda_id}/stars/{session_id}",
    "GET /agendas/{agenda_id}", "GET /agendas/{agenda_id}/calendar.ics",
    # Any signed-in person: the answer lists only the conferences their own rights name.
    "GET /organized-conferences",
}


async def test_every_agenda_route_checks_its_scope(infra: Infra, keys: Keys, tmp_path: Path) -> None:
    async with agenda_service(infra, keys, tmp_path) as agenda:
        assert (await agenda.session("keynote")).status_code == 201
        world = {"conference_id": agenda.conference_id, "session_id": "keynote", "agenda_id": "unused",
                 "room_id": "room-a", "speaker_id": "unknown-speaker"}
        app = agenda.client._transport.app  # type: ignore[attr-defined]
        checked = await check_every_route(agenda.client, app, keys, public=PUBLIC, world=world,
                                          other={"conference_id": "another-conference"})
        assert "PATCH /sessions/{session_id}" in checked and "POST /conferences/{conference_id}/releases" in checked


async def test_programme_edits_are_audited_with_the_organizer(infra: Infra, keys: Keys, tmp_path: Path) -> None:
    async with agenda_service(infra, keys, tmp_path) as agenda:
        cid = agenda.conference_id
        karim = keys.headers(f"organizer:conference:{cid}", sub="acc_karim", name="Karim")
        created = await agenda.client.post(f"/conferences/{cid}/sessions", json=session_body("panel"), headers=karim)
        assert created.status_code == 201, created.text
        moved = await agenda.client.patch("/sessions/panel", json={"starts_at": f"{DAY1}T14:00:00",
                                                                   "ends_at": f"{DAY1}T15:00:00"}, headers=karim)
        assert moved.status_code == 200, moved.text
        assert (await agenda.client.post(f"/conferences/{cid}/releases", headers=karim)).status_code == 201
        assert (await agenda.client.post("/sessions/panel/cancel", headers=karim)).status_code == 200
        log = await agenda.client.get("/admin/audit", params={"actor": "acc_karim"}, headers=agenda.org)
        assert log.status_code == 200, log.text
        entries = log.json()["items"]
        assert [(e["action"], e["object_id"]) for e in reversed(entries)] == [
            ("session.create", "panel"), ("session.update", "panel"), ("schedule.release", cid),
            ("session.cancel", "panel")]
        assert {e["actor_name"] for e in entries} == {"Karim"}
