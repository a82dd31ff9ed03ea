"""Password sign-in in the browser: cookies, CSRF, lock-out, refresh, sign-out, tokens verified by the JWKS."""

from pathlib import Path

import jwt
import pytest
from accounts.app import create_app
from accounts.cookies import ACCESS_COOKIE, CSRF_COOKIE, REFRESH_COOKIE
from accounts.settings import Settings
from accounts_factories import (
    PASSWORD,
    accounts_service,
    browser,
    open_signin,
    set_cookie_headers,
    sign_in,
)
from cryptography.hazmat.primitives import serialization

from shared.signing import MissingSigningKey, Signer
from support import Infra, Keys, settings_for


async def test_sign_in_sets_the_session_cookies_and_the_token_carries_the_scopes_of_the_teams(
        infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        person = await svc.account(scopes=["organizer:recommendations", "staff:conference:ess-national-6"])
        answer = await sign_in(svc.client, person.email, next="/account")
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == "/account"
        cookies = set_cookie_headers(answer)
        for name in (ACCESS_COOKIE, REFRESH_COOKIE):
            assert "HttpOnly" in cookies[name] and "SameSite=lax" in cookies[name], cookies[name]
        assert "Path=/;" in cookies[ACCESS_COOKIE] or cookies[ACCESS_COOKIE].endswith("Path=/")
        assert "Path=/auth" in cookies[REFRESH_COOKIE]
        assert "HttpOnly" not in cookies[CSRF_COOKIE]
        claims = await svc.claims(svc.client.cookies[ACCESS_COOKIE])
        assert claims["sub"] == person.id
        assert claims["scopes"] == ["organizer:recommendations", "staff:conference:ess-national-6"]
        assert claims["roles"] == ["organizer", "staff"]
        assert claims["sid"].startswith("ses_") and claims["name"] == person.name
        assert claims["exp"] - claims["iat"] <= 60
        me = await svc.client.get("/me")
        assert me.status_code == 200 and me.json()["scopes"] == claims["scopes"]


async def test_secure_cookies_when_the_platform_is_served_over_https(infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys, public_base_url="https://tadamon.example.ma") as svc:
        person = await svc.account()
        async with browser(svc, "https://testserver") as client:
            answer = await sign_in(client, person.email)
        assert answer.status_code == 303
        for name in (ACCESS_COOKIE, REFRESH_COOKIE, CSRF_COOKIE):
            assert "Secure" in set_cookie_headers(answer)[name]


async def test_a_sign_in_form_posted_without_its_csrf_token_is_refused_and_opens_no_session(
        infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        person = await svc.account()
        await open_signin(svc.client)
        forged = await svc.client.post("/signin?lang=en", data={"email": person.email, "password": PASSWORD,
                                                                 "csrf_token": "guessed"})
        assert forged.status_code == 403
        assert "Reload the page and try again" in forged.text
        assert ACCESS_COOKIE not in svc.client.cookies
        assert await svc.platform.db.sessions.count_documents({}) == 0


async def test_repeated_wrong_passwords_lock_the_account_even_against_the_right_one(
        infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys, max_failed_attempts=3) as svc:
        person = await svc.account()
        for _ in range(3):
            wrong = await sign_in(svc.client, person.email, password="not the password at all")
            assert wrong.status_code == 401
        locked = await sign_in(svc.client, person.email)
        assert locked.status_code == 401
        assert ACCESS_COOKIE not in svc.client.cookies
        await svc.platform.db.accounts.update_one({"_id": person.id}, {"$set": {"locked_until": None}})
        assert (await sign_in(svc.client, person.email)).status_code == 303


async def test_an_unknown_address_and_a_wrong_password_get_the_same_answer(infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        person = await svc.account()
        unknown = await sign_in(svc.client, "nobody@example.ma")
        wrong = await sign_in(svc.client, person.email, password="not the password at all")
        assert unknown.status_code == wrong.status_code == 401
        assert unknown.text.replace("nobody@example.ma", "") == wrong.text.replace(person.email, "")


async def test_sign_in_errors_are_in_the_pages_language(infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        await open_signin(svc.client)
        for lang, words in (("ar", "البريد الإلكتروني أو كلمة المرور غير صحيحة"),
                            ("fr", "E-mail ou mot de passe incorrect"), ("en", "Wrong e-mail or password")):
            page = await svc.client.get("/signin", params={"lang": lang})
            token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
            answer = await svc.client.post(f"/signin?lang={lang}",
                                           data={"email": "x@example.ma", "password": "p", "csrf_token": token})
            assert words in answer.text, lang


async def test_refresh_reissues_the_access_cookie_and_goes_back(infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        person = await svc.account()
        await sign_in(svc.client, person.email)
        first = svc.client.cookies[ACCESS_COOKIE]
        svc.client.cookies.delete(ACCESS_COOKIE)
        back = await svc.client.get("/auth/refresh", params={"next": "http://127.0.0.1:8001/scanner"})
        assert back.status_code == 303
        assert back.headers["location"] == "http://127.0.0.1:8001/scanner"
        renewed = svc.client.cookies[ACCESS_COOKIE]
        assert renewed != first
        assert (await svc.claims(renewed))["sub"] == person.id


async def test_refresh_without_a_session_sends_to_sign_in_and_foreign_hosts_are_not_followed(
        infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        answer = await svc.client.get("/auth/refresh", params={"next": "/account"})
        assert answer.status_code == 303
        assert answer.headers["location"] == "http://127.0.0.1:8005/signin?next=%2Faccount"
        person = await svc.account()
        await sign_in(svc.client, person.email)
        for evil in ("https://evil.example.com/", "//evil.example.com/x", "/\\evil.example.com"):
            away = await svc.client.get("/auth/refresh", params={"next": evil})
            assert away.headers["location"] == "/account", evil


async def test_sign_out_ends_the_session_so_no_new_access_token_is_issued(infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        person = await svc.account()
        await sign_in(svc.client, person.email)
        refresh = svc.client.cookies[REFRESH_COOKIE]
        page = await svc.client.get("/account")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        out = await svc.client.post("/auth/signout", data={"csrf_token": token})
        assert out.status_code == 303 and out.headers["location"] == "/signin"
        assert ACCESS_COOKIE not in svc.client.cookies
        async with browser(svc) as thief:
            thief.cookies.set(REFRESH_COOKIE, refresh, path="/auth")
            answer = await thief.get("/auth/refresh", params={"next": "/account"})
            assert answer.headers["location"].startswith("http://127.0.0.1:8005/signin")
            assert ACCESS_COOKIE not in thief.cookies


async def test_a_disabled_account_gets_no_new_access_token_and_loses_the_api_at_once(
        infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        admin = await svc.account(admin=True)
        person = await svc.account(scopes=["reviewer:recommendations"])
        await sign_in(svc.client, person.email)
        assert (await svc.client.get("/me")).status_code == 200
        disabled = await svc.client.patch(f"/accounts/{person.id}", json={"disabled": True},
                                          headers=await svc.bearer(admin))
        assert disabled.status_code == 200 and disabled.json()["disabled"] is True
        assert (await svc.client.get("/me")).status_code == 401
        answer = await svc.client.get("/auth/refresh", params={"next": "/account"})
        assert answer.headers["location"].startswith("http://127.0.0.1:8005/signin")
        assert (await sign_in(svc.client, person.email)).status_code == 401


async def test_tokens_signed_before_a_key_rotation_stay_valid_with_the_new_jwks(
        infra: Infra, keys: Keys, tmp_path: Path) -> None:
    old, new = Signer.from_file_or_new(""), Signer.from_file_or_new("")
    for name, signer in (("old.pem", old), ("new.pem", new)):
        (tmp_path / name).write_bytes(signer.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    async with accounts_service(infra, keys, signing_key_file=str(tmp_path / "old.pem")) as svc:
        person = await svc.account()
        before = await svc.bearer(person)
    async with accounts_service(infra, keys, mongo_db=svc.settings.mongo_db, signing_key_file=str(tmp_path / "new.pem"),
                                previous_signing_key_files=[str(tmp_path / "old.pem")]) as svc:
        kids = [k["kid"] for k in (await svc.client.get("/.well-known/jwks.json")).json()["keys"]]
        assert kids == [new.kid, old.kid]
        assert (await svc.claims(before["Authorization"].removeprefix("Bearer ")))["sub"] == person.id
        assert (await svc.client.get("/me", headers=before)).status_code == 200
        after = (await svc.bearer(person))["Authorization"].removeprefix("Bearer ")
        assert jwt.get_unverified_header(after)["kid"] == new.kid


def test_accounts_refuses_to_start_in_production_without_its_signing_key(infra: Infra, keys: Keys) -> None:
    settings = settings_for(Settings, infra, keys, environment="production")
    assert settings.production
    with pytest.raises(MissingSigningKey, match="SIGNING_KEY_FILE"):
        create_app(settings)
    create_app(settings.model_copy(update={"signing_key_file": str(keys.private_file)}))


async def test_with_a_cookie_domain_the_access_and_csrf_cookies_reach_the_sibling_hosts(
        infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys, cookie_domain="tadamon.ma") as svc:
        person = await svc.account()
        async with browser(svc, "http://accounts.tadamon.ma") as client:
            answer = await sign_in(client, person.email)
        cookies = set_cookie_headers(answer)
        assert "Domain=tadamon.ma" in cookies[ACCESS_COOKIE] and "Domain=tadamon.ma" in cookies[CSRF_COOKIE]
        assert "Domain" not in cookies[REFRESH_COOKIE]
