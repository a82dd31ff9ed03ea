"""The administration API behind the console screens: one account with its teams, scopes and sessions,
a session ended by an administrator, a team's scopes changed, a member added by e-mail, invitations
listed, resent and withdrawn, each act in the audit log."""

from datetime import UTC, datetime, timedelta

from accounts import signin
from accounts_factories import accounts_service, link_in

from support import Infra, Keys, mail_catcher


async def test_an_administrator_opens_an_account_and_ends_one_of_its_sessions_in_the_audit_log(
        infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        admin = await svc.bearer(await svc.account(admin=True))
        person = await svc.account(scopes=["reviewer:recommendations"])
        session, refresh = await signin.open_session(ctx=svc.ctx, account=person, user_agent="Firefox")
        found = await svc.client.get("/accounts", headers=admin, params={"q": person.name.upper()})
        assert [a["id"] for a in found.json()] == [person.id]
        detail = (await svc.client.get(f"/accounts/{person.id}", headers=admin)).json()
        assert detail["scopes"] == ["reviewer:recommendations"]
        assert [t["scopes"] for t in detail["teams"]] == [["reviewer:recommendations"]]
        assert [s["id"] for s in detail["sessions"]] == [session.id]
        assert detail["account"]["last_sign_in_at"] is not None

        ended = await svc.client.delete(f"/accounts/{person.id}/sessions/{session.id}", headers=admin)
        assert ended.status_code == 204
        again = await svc.client.delete(f"/accounts/{person.id}/sessions/{session.id}", headers=admin)
        assert again.status_code == 404 and again.json()["code"] == "session_not_found"
        try:
            await signin.refresh_access(ctx=svc.ctx, refresh_token=refresh)
        except Exception as exc:  # noqa: BLE001
            assert getattr(exc, "code", None) == "session_expired"
        else:
            raise AssertionError("the ended session still got a token")
        log = (await svc.client.get("/admin/audit", headers=admin, params={"object_id": person.id})).json()
        assert [e["action"] for e in log["items"]] == ["session.revoked"]
        missing = await svc.client.get("/accounts/acc_nobody", headers={**admin, "Accept-Language": "fr"})
        assert missing.status_code == 404 and missing.json()["title"] == "Ce compte est introuvable."


async def test_a_team_gets_new_scopes_and_a_member_by_e_mail_whose_token_then_carries_them(
        infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        admin = await svc.bearer(await svc.account(admin=True))
        person = await svc.account()
        team = (await svc.client.post("/teams", headers=admin, json={
            "name": "Souk", "scopes": ["staff:market:souk-1"]})).json()
        bad = await svc.client.put(f"/teams/{team['id']}", headers={**admin, "Accept-Language": "ar"},
                                   json={"name": "Souk", "scopes": ["admin"]})
        assert bad.status_code == 422 and bad.json()["errors"][0]["code"] == "unknown_scope"
        changed = await svc.client.put(f"/teams/{team['id']}", headers=admin, json={
            "name": "Souk d'Agadir", "scopes": ["organizer:recommendations", "staff:market:souk-1"]})
        assert changed.status_code == 200 and changed.json()["name"] == "Souk d'Agadir"
        both = await svc.client.post(f"/teams/{team['id']}/members", headers=admin,
                                     json={"account_id": person.id, "email": person.email})
        assert both.status_code == 422 and both.json()["errors"][0]["code"] == "member_id_or_email"
        unknown = await svc.client.post(f"/teams/{team['id']}/members", headers=admin,
                                        json={"email": "nobody@example.ma"})
        assert unknown.status_code == 404 and unknown.json()["code"] == "account_not_found"
        added = await svc.client.post(f"/teams/{team['id']}/members", headers=admin,
                                      json={"email": person.email.upper()})
        assert added.status_code == 200 and added.json()["members"] == [person.id]
        token = (await svc.bearer(person))["Authorization"].removeprefix("Bearer ")
        assert (await svc.claims(token))["scopes"] == ["organizer:recommendations", "staff:market:souk-1"]
        log = (await svc.client.get("/admin/audit", headers=admin, params={"object_id": team["id"]})).json()
        assert [e["action"] for e in log["items"]] == ["team.member_added", "team.changed", "team.created"]


async def test_invitations_are_listed_resent_with_a_new_link_and_withdrawn(infra: Infra, keys: Keys) -> None:
    async with mail_catcher() as mails, accounts_service(infra, keys, smtp_port=mails.port) as svc:
        admin = await svc.bearer(await svc.account(admin=True))
        sent = await svc.client.post("/invitations", headers=admin, json={
            "email": "karim@example.ma", "name": "Karim", "language": "fr"})
        assert sent.status_code == 201, sent.text
        [listed] = (await svc.client.get("/invitations", headers=admin)).json()
        assert listed["state"] == "pending" and listed["email"] == "karim@example.ma" and listed["language"] == "fr"

        resent = await svc.client.post(f"/invitations/{listed['id']}/resend", headers=admin)
        assert resent.status_code == 201
        first, second = mails.to("karim@example.ma")
        assert (await svc.client.get(link_in(first))).status_code == 400
        assert (await svc.client.get(link_in(second))).status_code == 200
        states = [i["state"] for i in (await svc.client.get("/invitations", headers=admin)).json()]
        assert states == ["pending", "withdrawn"]

        newest = (await svc.client.get("/invitations", headers=admin)).json()[0]["id"]
        assert (await svc.client.delete(f"/invitations/{newest}", headers=admin)).status_code == 204
        assert (await svc.client.get(link_in(second))).status_code == 400
        twice = await svc.client.delete(f"/invitations/{newest}", headers={**admin, "Accept-Language": "en"})
        assert twice.status_code == 409 and twice.json()["code"] == "account_invitation_closed"
        nowhere = await svc.client.post("/invitations/nope/resend", headers=admin)
        assert nowhere.status_code == 404 and nowhere.json()["code"] == "account_invitation_not_found"


async def test_an_expired_invitation_is_shown_expired_and_resending_it_mails_a_working_link(
        infra: Infra, keys: Keys) -> None:
    async with mail_catcher() as mails, accounts_service(infra, keys, smtp_port=mails.port) as svc:
        admin = await svc.bearer(await svc.account(admin=True))
        sent = await svc.client.post("/invitations", headers=admin, json={
            "email": "amal@example.ma", "name": "Amal", "language": "ar"})
        assert sent.status_code == 201, sent.text
        [link] = (await svc.client.get("/invitations", headers=admin)).json()
        await svc.platform.db.links.update_one({"_id": link["id"]},
                                               {"$set": {"expires_at": datetime.now(UTC) - timedelta(minutes=1)}})
        assert [i["state"] for i in (await svc.client.get("/invitations", headers=admin)).json()] == ["expired"]
        assert (await svc.client.get(link_in(mails.to("amal@example.ma")[0]))).status_code == 400
        assert (await svc.client.post(f"/invitations/{link['id']}/resend", headers=admin)).status_code == 201
        assert [i["state"] for i in (await svc.client.get("/invitations", headers=admin)).json()] == [
            "pending", "expired"]
        assert (await svc.client.get(link_in(mails.to("amal@example.ma")[1]))).status_code == 200
