"""Every route's scope, derived from the service's OpenAPI document and enforced against the running app.

A route declares the scopes it accepts through ``shared.auth.require`` (they appear as the
operation's security requirement). For each such operation the check sends: no token (401);
a token holding every other kind of right on the same objects (403); the accepted right on
another object (403); each accepted right on the right object, and ``admin`` (neither 401
nor 403). An operation with no security requirement must be listed as public by the test,
so a new route that forgets its scope check fails.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

from support import Keys

# One right of each kind; a token "without the scope" holds all those of other kinds.
EVERY_KIND = (
    "organizer:conference:{conference_id}", "staff:conference:{conference_id}",
    "organizer:market:{market_id}", "staff:market:{market_id}", "exhibitor:cooperative:{cooperative_id}",
    "organizer:recommendations", "reviewer:recommendations",
)
DENIED = (401, 403)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    scopes: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def operations(app: FastAPI) -> Iterator[Operation]:
    for path, items in app.openapi()["paths"].items():
        for method, operation in items.items():
            scopes = {scope for requirement in operation.get("security", []) for names in requirement.values()
                      for scope in names}
            yield Operation(method.upper(), path, tuple(sorted(scopes)))


def _kind(scope: str) -> str:
    return ":".join(scope.split(":")[:2])


class _OrUnrelated(dict[str, str]):
    """The world's ids, and a made-up one for a kind of object this service does not have."""

    def __missing__(self, key: str) -> str:
        return f"unrelated-{key}"


def _fill(scope: str, values: Mapping[str, str]) -> str:
    """``organizer:market:*`` is filled as that right on the test's own market."""
    if scope.endswith(":*"):
        scope = next(s for s in EVERY_KIND if _kind(s) == _kind(scope))
    return scope.format_map(values)


async def _call(client: httpx.AsyncClient, op: Operation, world: Mapping[str, str],
                headers: dict[str, str] | None = None) -> httpx.Response:
    url = op.path.format_map(world)
    body: dict[str, Any] = {"json": {}} if op.method in ("POST", "PUT", "PATCH") else {}
    return await client.request(op.method, url, headers=headers or {}, **body)


async def check_every_route(client: httpx.AsyncClient, app: FastAPI, keys: Keys, *, public: set[str],
                            world: Mapping[str, str], other: Mapping[str, str]) -> list[str]:
    """Check each secured operation (see the module's docstring); answers the operations checked."""
    checked = []
    for op in operations(app):
        if not op.scopes:
            assert str(op) in public, f"{op} declares no scope and is not listed as public"
            continue
        assert str(op) not in public, f"{op} is listed as public but requires {op.scopes}"
        anonymous = await _call(client, op, world)
        assert anonymous.status_code == 401, (str(op), anonymous.status_code, anonymous.text)
        accepted_kinds = {_kind(s) for s in op.scopes}
        others = [_fill(s, _OrUnrelated(world)) for s in EVERY_KIND if _kind(s) not in accepted_kinds]
        unrelated = await _call(client, op, world, keys.headers(*others))
        assert unrelated.status_code == 403, (str(op), others, unrelated.status_code, unrelated.text)
        for scope in op.scopes:
            if scope == "admin":
                continue
            if "{" in scope:
                elsewhere = await _call(client, op, world, keys.headers(_fill(scope, other)))
                assert elsewhere.status_code == 403, (str(op), scope, elsewhere.status_code, elsewhere.text)
            allowed = await _call(client, op, world, keys.headers(_fill(scope, world)))
            assert allowed.status_code not in DENIED and allowed.status_code < 500, (
                str(op), scope, allowed.status_code, allowed.text)
        admin = await _call(client, op, world, keys.headers("admin"))
        assert admin.status_code not in DENIED and admin.status_code < 500, (str(op), admin.status_code, admin.text)
        checked.append(str(op))
    return checked
