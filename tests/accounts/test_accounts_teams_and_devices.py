"""Teams and their scopes (administrators only), sessions, and gate scanners signed in by a device code."""

from accounts import devices, service, signin
from accounts.cookies import ACCESS_COOKIE, CSRF_COOKIE, REFRESH_COOKIE
from accounts.models import Account
from accounts_factories import accounts_service, browser, csrf_of, sign_in

from support import Infra, Keys


async def test_an_administrator_forms_a_team_and_its_members_tokens_carry_its_scopes(
        infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        admin = await svc.bearer(await svc.account(admin=True))
        created = await svc.client.post("/accounts", headers=admin, json={
            "email": "Khadija@Example.ma", "name": "Khadija", "language": "ar"})
        assert created.status_code == 201, created.text
        person = created.json()
        team = await svc.client.post("/teams", headers=admin, json={
            "name": "Souk Agadir", "scopes": ["organizer:market:souk-agadir-2027", "staff:market:souk-agadir-2027"]})
        assert team.status_code == 201, team.text
        added = await svc.client.post(f"/teams/{team.json()['id']}/members", headers=admin,
                                      json={"account_id": person["id"]})
        assert added.status_code == 200 and added.json()["members"] == [person["id"]]
        stored = Account.model_validate(await svc.platform.db.accounts.find_one({"_id": person["id"]}))
        token = await svc.bearer(stored)
        claims = await svc.claims(token["Authorization"].removeprefix("Bearer "))
        assert claims["scopes"] == ["organizer:market:souk-agadir-2027", "staff:market:souk-agadir-2027"]
        assert "admin" not in claims["scopes"]
        removed = await svc.client.delete(f"/teams/{team.json()['id']}/members/{person['id']}", headers=admin)
        assert removed.json()["members"] == []
        again = await svc.claims((await svc.bearer(stored))["Authorization"].removeprefix("Bearer "))
        assert again["scopes"] == []


async def test_teams_and_accounts_are_for_administrators_only(infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        organizer = await svc.bearer(await svc.account(scopes=["organizer:recommendations"]))
        refused = await svc.client.post("/teams", headers=organizer, json={"name": "x", "scopes": ["admin"]})
        assert refused.status_code == 403
        assert (await svc.client.get("/accounts", headers=organizer)).status_code == 403
        assert (await svc.client.get("/teams")).status_code == 401
        assert await svc.platform.db.teams.count_documents({"name": "x"}) == 0


async def test_a_team_cannot_grant_admin_or_an_unknown_scope_and_the_refusal_is_localized(
        infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        admin = await svc.bearer(await svc.account(admin=True))
        for scopes in (["admin"], ["organizer:everything"], ["staff:conference:"], ["organizer:conference:a b"]):
            refused = await svc.client.post("/teams", headers={**admin, "Accept-Language": "ar"},
                                            json={"name": "x", "scopes": scopes})
            assert refused.status_code == 422, scopes
            body = refused.json()
            assert body["errors"][0]["code"] == "unknown_scope" and body["lang"] == "ar"
            assert "صلاحية غير معروفة" in body["errors"][0]["message"]
        assert await svc.platform.db.teams.count_documents({}) == 0


async def test_a_cookie_authenticated_change_needs_the_csrf_header_a_bearer_one_does_not(
        infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        admin = await svc.account(admin=True)
        session, _ = await signin.open_session(ctx=svc.ctx, account=admin, user_agent="tests")
        access = await signin.access_token(ctx=svc.ctx, session=session)
        svc.client.cookies.set(ACCESS_COOKIE, access)
        svc.client.cookies.set(CSRF_COOKIE, "the-csrf-token")
        body = {"name": "Équipe", "scopes": ["reviewer:recommendations"]}
        assert (await svc.client.post("/teams", json=body)).status_code == 403
        assert (await svc.client.post("/teams", json=body, headers={"X-CSRF-Token": "other"})).status_code == 403
        assert await svc.platform.db.teams.count_documents({}) == 0
        ok = await svc.client.post("/teams", json=body, headers={"X-CSRF-Token": "the-csrf-token"})
        assert ok.status_code == 201
        async with browser(svc) as script:
            by_bearer = await script.post("/teams", json=body, headers={"Authorization": f"Bearer {access}"})
            assert by_bearer.status_code == 201


async def test_my_sessions_are_listed_and_one_revoked_gets_no_new_token(infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        person = await svc.account()
        async with browser(svc) as phone:
            await sign_in(phone, person.email)
            await sign_in(svc.client, person.email)
            sessions = (await svc.client.get("/me/sessions")).json()
            assert len(sessions) == 2
            mine = (await svc.claims(svc.client.cookies[ACCESS_COOKIE]))["sid"]
            other = next(s["id"] for s in sessions if s["id"] != mine)
            page = await svc.client.get("/account")
            revoked = await svc.client.post(f"/account/sessions/{other}/revoke",
                                            data={"csrf_token": csrf_of(page.text)})
            assert revoked.status_code == 303
            answer = await phone.get("/auth/refresh", params={"next": "/account"})
            assert answer.headers["location"].startswith("http://127.0.0.1:8005/signin")
            assert [s["id"] for s in (await svc.client.get("/me/sessions")).json()] == [mine]


async def test_an_organizer_signs_a_gate_scanner_in_for_their_conference_only_once(
        infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        organizer = await svc.account(scopes=["organizer:conference:ess-national-6"])
        code, _ = await devices.create_device_code(ctx=svc.ctx, account=organizer,
                                                   scope="staff:conference:ess-national-6", label="Entrée A")
        async with browser(svc) as phone:
            page = await phone.get("/device", params={"code": code})
            claimed = await phone.post("/device", data={"code": code.lower().replace("-", " "),
                                                        "csrf_token": csrf_of(page.text)})
            assert claimed.status_code == 303 and claimed.headers["location"] == "/device/ready"
            claims = await svc.claims(phone.cookies[ACCESS_COOKIE])
            assert claims["scopes"] == ["staff:conference:ess-national-6"] and claims["roles"] == ["staff"]
            assert claims["sub"].startswith("dev_") and claims["name"] == "Entrée A"
            assert REFRESH_COOKIE in phone.cookies
            ready = await phone.get("/device/ready")
            assert "staff:conference:ess-national-6" in ready.text
        async with browser(svc) as second:
            page = await second.get("/device")
            again = await second.post("/device", data={"code": code, "csrf_token": csrf_of(page.text)})
            assert again.status_code == 400 and ACCESS_COOKIE not in second.cookies
        listed = await svc.client.get("/me/sessions", headers=await svc.bearer(organizer))
        assert [s["scopes"] for s in listed.json() if s["kind"] == "device"] == [["staff:conference:ess-national-6"]]


async def test_an_organizer_cannot_hand_out_gate_access_to_another_conference(infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        organizer = await svc.account(scopes=["organizer:conference:ess-national-6", "staff:market:souk-1"])
        for scope in ("staff:conference:other", "staff:market:souk-1", "organizer:conference:ess-national-6"):
            try:
                await devices.create_device_code(ctx=svc.ctx, account=organizer, scope=scope, label="x")
            except Exception as exc:  # noqa: BLE001
                assert getattr(exc, "code", None) == "scope_not_grantable", scope
            else:
                raise AssertionError(f"{scope} was granted")
        assert await svc.platform.db.device_codes.count_documents({}) == 0


async def test_a_scanner_stops_when_its_organizer_is_disabled(infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        organizer = await svc.account(scopes=["organizer:market:souk-1"])
        code, _ = await devices.create_device_code(ctx=svc.ctx, account=organizer,
                                                   scope="staff:market:souk-1", label="Porte")
        session, refresh = await devices.claim_device_code(ctx=svc.ctx, code=code, user_agent="phone")
        assert await signin.refresh_access(ctx=svc.ctx, refresh_token=refresh)
        await service.set_account_disabled(ctx=svc.ctx, account_id=organizer.id, disabled=True)
        try:
            await signin.refresh_access(ctx=svc.ctx, refresh_token=refresh)
        except Exception as exc:  # noqa: BLE001
            assert getattr(exc, "code", None) == "session_expired"
        else:
            raise AssertionError("the scanner still got a token")
        assert session.scopes == ["staff:market:souk-1"]


async def test_account_creation_refuses_a_bad_address_and_a_second_account_for_one_address(
        infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        admin = await svc.bearer(await svc.account(admin=True))
        bad = await svc.client.post("/accounts", headers={**admin, "Accept-Language": "fr"},
                                    json={"email": "pas-une-adresse", "name": "X"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["code"] == "field_bad_email"
        first = await svc.client.post("/accounts", headers=admin, json={"email": "Amal@example.ma", "name": "Amal"})
        assert first.status_code == 201
        second = await svc.client.post("/accounts", headers={**admin, "Accept-Language": "ar"},
                                       json={"email": "amal@EXAMPLE.ma", "name": "Amal bis"})
        assert second.status_code == 409 and second.json()["code"] == "account_exists"
        assert second.json()["title"] == "يوجد حساب بهذا البريد الإلكتروني من قبل."
        missing = await svc.client.post("/teams/team_nope/members", headers=admin,
                                        json={"account_id": first.json()["id"]})
        assert missing.status_code == 404 and missing.json()["code"] == "team_not_found"
        assert await svc.platform.db.accounts.count_documents({"email_normalized": "amal@example.ma"}) == 1
