"""Access tokens: the browser session cookie with its CSRF double submit, and keys from a JWKS by kid."""

import base64
import json
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sample_service import SampleSettings, create_app
from scopes_support import check_every_route

from infra import probes
from shared.auth import ACCESS_COOKIE, CSRF_COOKIE, load_private_key, mint_token
from support import Infra, Keys, running, settings_for

NOTE = {"text": {"fr": "x"}, "copies": 1}


@pytest.fixture
async def client(infra: Infra, keys: Keys) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(SampleSettings, infra, keys, with_consumer=False)
    async with running(create_app(settings)) as client:
        yield client


def _session(client: httpx.AsyncClient, keys: Keys, csrf: str | None = "s3cr3t-csrf") -> None:
    client.cookies.set(ACCESS_COOKIE, keys.token("admin"))
    if csrf:
        client.cookies.set(CSRF_COOKIE, csrf)


async def test_the_session_cookie_is_accepted_like_a_bearer_token(client: httpx.AsyncClient, keys: Keys) -> None:
    _session(client, keys)
    assert (await client.get("/admin/audit")).status_code == 200
    written = await client.post("/notes", json=NOTE, headers={"X-CSRF-Token": "s3cr3t-csrf"})
    assert written.status_code == 201, written.text


async def test_a_change_sent_with_the_cookie_needs_the_csrf_token(client: httpx.AsyncClient, keys: Keys) -> None:
    _session(client, keys)
    missing = await client.post("/notes", json=NOTE, headers={"Accept-Language": "ar"})
    wrong = await client.post("/notes", json=NOTE, headers={"X-CSRF-Token": "guessed"})
    assert missing.status_code == wrong.status_code == 403
    assert missing.json()["code"] == "csrf_failed" and missing.json()["lang"] == "ar"
    assert missing.headers["content-type"] == "application/problem+json"
    client.cookies.delete(CSRF_COOKIE)
    no_cookie = await client.post("/notes", json=NOTE, headers={"X-CSRF-Token": ""})
    assert no_cookie.status_code == 403
    platform = client._transport.app.state.platform  # type: ignore[attr-defined]
    assert await platform.db.notes.count_documents({}) == 0


async def test_a_bearer_token_needs_no_csrf_token(client: httpx.AsyncClient, keys: Keys) -> None:
    client.cookies.set(ACCESS_COOKIE, "not-even-a-token")
    written = await client.post("/notes", json=NOTE, headers=keys.headers("admin"))
    assert written.status_code == 201, written.text


async def test_an_expired_session_cookie_is_401(client: httpx.AsyncClient, keys: Keys) -> None:
    expired = mint_token(load_private_key(str(keys.private_file)), sub="a", scopes=["admin"], ttl_seconds=-60)
    client.cookies.set(ACCESS_COOKIE, expired)
    response = await client.get("/admin/audit")
    assert response.status_code == 401 and response.json()["code"] == "invalid_token"


# ---- keys from the accounts service's JWKS --------------------------------------------

def _jwk(key: Ed25519PrivateKey, kid: str) -> dict[str, str]:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"}


class _Jwks:
    def __init__(self) -> None:
        self.keys: dict[str, Ed25519PrivateKey] = {"k1": Ed25519PrivateKey.generate(),
                                                    "k2": Ed25519PrivateKey.generate()}
        self.fetches = 0

    def document(self) -> bytes:
        self.fetches += 1
        return json.dumps({"keys": [_jwk(k, kid) for kid, k in self.keys.items()]}).encode()


@pytest.fixture
def jwks() -> Iterator[tuple[_Jwks, str]]:
    published = _Jwks()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            body = published.document()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield published, f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()


def _bearer(key: Ed25519PrivateKey, kid: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(key, sub='acc_1', scopes=['admin'], kid=kid)}"}


async def test_tokens_of_every_published_key_are_accepted_by_kid_and_others_refused(
    infra: Infra, keys: Keys, jwks: tuple[_Jwks, str]
) -> None:
    published, url = jwks
    settings = settings_for(SampleSettings, infra, keys, with_consumer=False, jwt_jwks_url=url)
    async with running(create_app(settings)) as client:
        for kid in ("k1", "k2"):
            answer = await client.get("/admin/audit", headers=_bearer(published.keys[kid], kid))
            assert answer.status_code == 200, (kid, answer.text)
        forged = await client.get("/admin/audit", headers=_bearer(Ed25519PrivateKey.generate(), "k1"))
        assert forged.status_code == 401 and forged.json()["code"] == "invalid_token"
        unknown = await client.get("/admin/audit", headers=_bearer(Ed25519PrivateKey.generate(), "k9"))
        assert unknown.status_code == 401
        # A local key still verifies the tokens scripts mint, without asking the JWKS.
        before = published.fetches
        assert (await client.get("/admin/audit", headers=keys.headers("admin"))).status_code == 200
        assert published.fetches == before


async def test_an_unreachable_jwks_is_a_503_problem_not_a_500(infra: Infra, keys: Keys) -> None:
    url = f"http://127.0.0.1:{probes.free_port()}/.well-known/jwks.json"
    settings = settings_for(SampleSettings, infra, keys, with_consumer=False, jwt_jwks_url=url)
    async with running(create_app(settings)) as client:
        answer = await client.post("/notes", json=NOTE,
                                   headers=_bearer(Ed25519PrivateKey.generate(), "k1") | {"Accept-Language": "en"})
        assert answer.status_code == 503 and answer.json()["code"] == "auth_unavailable"
        assert answer.headers["retry-after"] and answer.json()["lang"] == "en"
        no_kid = jwt.encode({"sub": "a", "exp": 9999999999, "iss": "tadamon", "aud": "tadamon", "scopes": ["admin"]},
                            Ed25519PrivateKey.generate(), algorithm="EdDSA")
        refused = await client.post("/notes", json=NOTE, headers={"Authorization": f"Bearer {no_kid}"})
        assert refused.status_code == 401
        platform = client._transport.app.state.platform  # type: ignore[attr-defined]
        assert await platform.db.notes.count_documents({}) == 0


# ---- the route check every service's scope test relies on ------------------------------

async def test_the_route_check_fails_on_a_route_without_a_scope_that_is_not_listed_public(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    app = client._transport.app  # type: ignore[attr-defined]
    public = {"GET /healthz", "GET /readyz", "GET /metrics", "GET /asyncapi.json"}
    with pytest.raises(AssertionError, match="GET /notes/{note_id} declares no scope"):
        await check_every_route(client, app, keys, public=public, world={"note_id": "n1"}, other={})
    checked = await check_every_route(client, app, keys, public=public | {"GET /notes/{note_id}"},
                                      world={"note_id": "n1"}, other={})
    assert checked == ["POST /notes", "GET /admin/audit"]
