"""TOTP: required for organizers with rights on personal data, enrolled at sign-in, codes used once."""

import re

import pyotp
from accounts.cookies import ACCESS_COOKIE
from accounts_factories import accounts_service, answer_code, csrf_of, sign_in

from support import Infra, Keys, mail_catcher


def secret_of(html: str) -> str:
    found = re.search(r'id="totp-secret">([A-Z2-7]+)<', html)
    assert found, "the enrolment page shows no key"
    return found.group(1)


async def test_a_conference_organizer_must_enrol_a_totp_app_before_getting_a_session(
        infra: Infra, keys: Keys) -> None:
    async with mail_catcher() as mails, accounts_service(infra, keys, smtp_port=mails.port) as svc:
        organizer = await svc.account(scopes=["organizer:conference:ess-national-6"])
        answer = await sign_in(svc.client, organizer.email, next="/account")
        assert answer.status_code == 303 and answer.headers["location"].startswith("/signin/code")
        assert ACCESS_COOKIE not in svc.client.cookies
        page = await svc.client.get("/signin/code")
        secret = secret_of(page.text)
        wrong = await svc.client.post("/signin/code", data={"code": "000000", "csrf_token": csrf_of(page.text)})
        assert wrong.status_code == 400 and ACCESS_COOKIE not in svc.client.cookies
        done = await answer_code(svc.client, secret)
        assert done.status_code == 303 and done.headers["location"] == "/account"
        claims = await svc.claims(svc.client.cookies[ACCESS_COOKIE])
        assert claims["scopes"] == ["organizer:conference:ess-national-6"]
        stored = await svc.platform.db.accounts.find_one({"_id": organizer.id})
        assert stored["totp_enabled"] is True and stored["totp_secret"] == secret
        (notice,) = mails.to(organizer.email)
        assert notice["Subject"] == "Validation en deux étapes activée sur votre compte Tadamon"


async def test_a_reviewer_without_personal_data_signs_in_with_the_password_alone(infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        reviewer = await svc.account(scopes=["reviewer:recommendations"])
        answer = await sign_in(svc.client, reviewer.email)
        assert answer.status_code == 303 and answer.headers["location"] == "/account"
        assert ACCESS_COOKIE in svc.client.cookies


async def test_once_enrolled_each_sign_in_asks_a_code_and_a_code_cannot_be_used_twice(
        infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        admin = await svc.account(admin=True)
        secret = pyotp.random_base32()
        await svc.platform.db.accounts.update_one({"_id": admin.id},
                                                  {"$set": {"totp_secret": secret, "totp_enabled": True}})
        code = pyotp.TOTP(secret).now()
        await sign_in(svc.client, admin.email)
        assert (await answer_code(svc.client, secret, code=code)).status_code == 303
        svc.client.cookies.clear()
        await sign_in(svc.client, admin.email)
        replayed = await answer_code(svc.client, secret, code=code)
        assert replayed.status_code == 400
        assert ACCESS_COOKIE not in svc.client.cookies


async def test_the_code_step_cannot_be_skipped_without_the_password(infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        page = await svc.client.get("/signin/code?lang=en")
        assert page.status_code == 401
        assert "The sign-in has expired" in page.text


async def test_an_administrator_removes_a_lost_second_factor_and_the_next_sign_in_enrols_a_new_one(
        infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        admin = await svc.bearer(await svc.account(admin=True))
        organizer = await svc.account(scopes=["organizer:market:souk-1"])
        await svc.platform.db.accounts.update_one({"_id": organizer.id},
                                                  {"$set": {"totp_secret": pyotp.random_base32(),
                                                            "totp_enabled": True}})
        changed = await svc.client.patch(f"/accounts/{organizer.id}", headers=admin,
                                         json={"reset_second_factor": True})
        assert changed.status_code == 200 and changed.json()["totp_enabled"] is False
        await sign_in(svc.client, organizer.email)
        page = await svc.client.get("/signin/code")
        new_secret = secret_of(page.text)
        assert (await answer_code(svc.client, new_secret)).status_code == 303


async def test_wrong_codes_count_towards_the_lock_out_and_a_locked_account_gets_no_code_checked(
        infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys, max_failed_attempts=3) as svc:
        admin = await svc.account(admin=True)
        secret = pyotp.random_base32()
        await svc.platform.db.accounts.update_one({"_id": admin.id},
                                                  {"$set": {"totp_secret": secret, "totp_enabled": True}})
        await sign_in(svc.client, admin.email)
        for _ in range(3):
            assert (await answer_code(svc.client, secret, code="000000")).status_code == 400
        # The right code now: the account is locked, so it is refused and no session opens.
        locked = await answer_code(svc.client, secret)
        assert locked.status_code == 401 and ACCESS_COOKIE not in svc.client.cookies
        assert (await sign_in(svc.client, admin.email)).status_code == 401
