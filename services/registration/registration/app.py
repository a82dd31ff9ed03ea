from typing import Any

from fastapi import FastAPI

from registration import admin_api, api, console, pages, store
from registration.consumers import consumer_specs
from registration.events import TOPICS
from registration.notifications import Mailer
from registration.settings import Settings
from shared.platform import Platform, ServiceSpec, create_service_app
from shared.signing import load_signer

DESCRIPTION = (
    "Conferences of the social and solidarity economy, online registration with waiting lists, "
    "signed QR badges (EdDSA compact JWS, public key at /.well-known/jwks.json), check-in and "
    "notification mails."
)


TAGS = {
    "public": "Conferences open to registration and the registration form; no sign-in.",
    "participant": "A participant's own registration, reached with the manage token of the confirmation mail.",
    "check-in": "Badge scans at the conference gate (staff).",
    "organizers": "Registrations, approvals, exports and figures of a conference (organizers).",
}


def create_app(settings: Settings) -> FastAPI:
    holder: dict[str, Any] = {}
    # Loaded before anything starts: in production a missing key stops the process here.
    signer = load_signer(key_file=settings.signing_key_file, previous_key_files=settings.signing_previous_key_files,
                         production=settings.production)

    async def start(platform: Platform) -> None:
        holder["platform"] = platform
        platform.extras["signer"] = signer
        mailer = Mailer(platform)
        platform.extras["mailer"] = mailer
        mailer.start()

    async def stop(platform: Platform) -> None:
        await platform.extras["mailer"].stop()

    spec = ServiceSpec(
        title="Tadamon registration", description=DESCRIPTION,
        routers=[api.public, api.participant, api.checkin, admin_api.router, pages.router,
                 console.router], indexes=store.indexes(),
        topics=TOPICS, consumers=consumer_specs(holder), on_startup=[start], on_shutdown=[stop], tags=TAGS,
    )
    return create_service_app(settings, spec)
