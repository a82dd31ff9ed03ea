"""Invitations and password resets by mail: in the person's language, links used once, no hint about
which addresses have an account."""

from accounts.cookies import ACCESS_COOKIE
from accounts_factories import PASSWORD, accounts_service, browser, csrf_of, link_in, sign_in

from support import Infra, Keys, mail_catcher

NEW_PASSWORD = "couscous du vendredi à Fès"


async def _set_password(client, path: str, password: str = NEW_PASSWORD):  # type: ignore[no-untyped-def]
    page = await client.get(path)
    assert page.status_code == 200, page.text
    token = path.split("token=")[1].split("&")[0]
    action = path.split("?")[0]
    return await client.post(action, data={"token": token, "new_password": password, "new_password_again": password,
                                           "csrf_token": csrf_of(page.text)})


async def test_an_invitation_mail_in_arabic_lets_the_invitee_set_a_password_and_land_in_their_space(
        infra: Infra, keys: Keys) -> None:
    async with mail_catcher() as mails, accounts_service(infra, keys, smtp_port=mails.port) as svc:
        admin = await svc.bearer(await svc.account(admin=True))
        team = (await svc.client.post("/teams", headers=admin, json={
            "name": "Évaluation", "scopes": ["reviewer:recommendations"]})).json()
        sent = await svc.client.post("/invitations", headers=admin, json={
            "email": "salma@example.ma", "name": "سلمى", "language": "ar", "team_id": team["id"]})
        assert sent.status_code == 201, sent.text
        (mail,) = mails.to("salma@example.ma")
        assert mail["Subject"] == "دعوة للانضمام إلى منصة تضامن" and mail["Content-Language"] == "ar"
        path = link_in(mail)
        assert "lang=ar" in path
        async with browser(svc) as invitee:
            page = await invitee.get(path)
            assert 'dir="rtl"' in page.text and "مرحبا سلمى" in page.text
            done = await _set_password(invitee, path)
            assert done.status_code == 303 and done.headers["location"] == "/account"
            claims = await svc.claims(invitee.cookies[ACCESS_COOKIE])
            assert claims["scopes"] == ["reviewer:recommendations"]
            again = await invitee.get(path)
            assert again.status_code == 400 and "هذا الرابط غير صالح" in again.text
        assert (await sign_in(svc.client, "salma@example.ma", password=NEW_PASSWORD)).status_code == 303


async def test_an_invitation_is_refused_with_503_when_the_mail_server_is_down(infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys, smtp_port=1) as svc:
        admin = await svc.bearer(await svc.account(admin=True))
        sent = await svc.client.post("/invitations", headers={**admin, "Accept-Language": "en"}, json={
            "email": "later@example.ma", "name": "Later"})
        assert sent.status_code == 503 and sent.json()["code"] == "mail_not_sent"


async def test_a_password_reset_mail_sets_a_new_password_ends_old_sessions_and_lifts_the_lock(
        infra: Infra, keys: Keys) -> None:
    async with mail_catcher() as mails, accounts_service(infra, keys, smtp_port=mails.port,
                                                         max_failed_attempts=2) as svc:
        person = await svc.account(language="en")
        await sign_in(svc.client, person.email)
        old_session = (await svc.claims(svc.client.cookies[ACCESS_COOKIE]))["sid"]
        async with browser(svc) as other:
            for _ in range(2):
                await sign_in(other, person.email, password="wrong wrong wrong")
            page = await other.get("/reset")
            asked = await other.post("/reset", data={"email": person.email, "csrf_token": csrf_of(page.text)})
            unknown = await other.post("/reset", data={"email": "nobody@example.ma",
                                                       "csrf_token": csrf_of(page.text)})
            assert asked.status_code == unknown.status_code == 200 and asked.text == unknown.text
            (mail,) = mails.to(person.email)
            assert mail["Subject"] == "Resetting your Tadamon password"
            done = await _set_password(other, link_in(mail))
            assert done.status_code == 303
        stored = await svc.platform.db.sessions.find_one({"_id": old_session})
        assert stored["revoked_at"] is not None
        assert (await sign_in(svc.client, person.email, password=PASSWORD)).status_code == 401
        svc.client.cookies.clear()
        assert (await sign_in(svc.client, person.email, password=NEW_PASSWORD)).status_code == 303
        (link_mail, notice) = mails.to(person.email)
        assert notice["Subject"] == "Your Tadamon password was changed"
        assert "/reset?lang=en" in notice.get_body(("plain",)).get_content()


async def test_a_password_change_from_my_account_is_told_to_the_owner_by_mail(infra: Infra, keys: Keys) -> None:
    async with mail_catcher() as mails, accounts_service(infra, keys, smtp_port=mails.port) as svc:
        person = await svc.account(language="fr")
        await sign_in(svc.client, person.email)
        page = await svc.client.get("/account")
        changed = await svc.client.post("/account/password", data={
            "current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD,
            "csrf_token": csrf_of(page.text)})
        assert changed.status_code == 200 and "Mot de passe changé" in changed.text
        (notice,) = mails.to(person.email)
        assert notice["Subject"] == "Votre mot de passe Tadamon a été changé"
        svc.client.cookies.clear()
        assert (await sign_in(svc.client, person.email, password=NEW_PASSWORD)).status_code == 303
