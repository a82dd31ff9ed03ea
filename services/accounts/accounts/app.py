from fastapi import FastAPI

from accounts import (  # noqa: F401 - texts: messages
    admin_api,
    api,
    console,
    console_teams,
    device_pages,
    link_pages,
    oidc,
    oidc_pages,
    pages,
    store,
    texts,
)
from accounts.context import Accounts
from accounts.events import TOPICS
from accounts.settings import Settings
from accounts.tokens import KeyRing
from shared.platform import Platform, ServiceSpec, create_service_app
from shared.signing import MissingSigningKey

DESCRIPTION = (
    "People, teams with scoped roles and sign-in for the whole platform: browser sessions (cookies, CSRF, "
    "TOTP, lock-out), gate scanners signed in by an organizer's device code, and the access tokens the other "
    "services verify (EdDSA, public keys by kid at /.well-known/jwks.json)."
)


def create_app(settings: Settings) -> FastAPI:
    if settings.production and not settings.signing_key_file:
        raise MissingSigningKey("SIGNING_KEY_FILE is required in production: a key made in memory would sign "
                                "everyone out at the next restart")
    keyring = KeyRing.from_files(settings.signing_key_file, settings.previous_signing_key_files)

    def context(platform: Platform) -> Accounts:
        return Accounts.build(platform, keyring, oidc.OidcProvider(settings) if settings.oidc_issuer else None)

    spec = ServiceSpec(
        title="Tadamon accounts", description=DESCRIPTION,
        routers=[api.public, api.me, admin_api.admin, pages.router, device_pages.router, link_pages.router,
                 oidc_pages.router, console.router, console_teams.router, pages.pages.static_router()],
        indexes=store.indexes(), topics=TOPICS, context=context,
    )
    app = create_service_app(settings, spec)
    # The pages shared by every service (the audit log's) read the browser's access token as the other
    # services do: here the keys are this service's own.
    app.state.token_verifier.keys.extend(keyring.public_keys.values())
    return app
