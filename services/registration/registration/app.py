from fastapi import FastAPI

from registration import admin_api, api, console, console_bulk, console_checkin, console_conferences, jobs, pages
from registration.consumers import consumer_specs
from registration.context import RegistrationContext, context_of
from registration.events import MESSAGES, TOPICS
from registration.mailer import Mailer
from registration.settings import Settings
from registration.store import RegistrationStore, indexes
from shared.jobs import jobs_console_router
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
    # Loaded before anything starts: in production a missing key stops the process here.
    signer = load_signer(key_file=settings.signing_key_file, previous_key_files=settings.signing_previous_key_files,
                         production=settings.production)

    def context(platform: Platform) -> RegistrationContext:
        ctx = RegistrationContext(platform=platform, store=RegistrationStore.of(platform), signer=signer)
        ctx.mailer = Mailer(ctx)
        return ctx

    async def start(platform: Platform) -> None:
        context_of(platform).mailer.start()

    async def stop(platform: Platform) -> None:
        await context_of(platform).mailer.stop()

    spec = ServiceSpec(
        title="Tadamon registration", description=DESCRIPTION,
        routers=[api.public, api.participant, api.checkin, admin_api.router, pages.router,
                 console_conferences.router, console_checkin.router, console_bulk.router,
                 console.router, jobs_console_router()],
        indexes=indexes(), topics=TOPICS, messages=MESSAGES, consumers=consumer_specs(), on_startup=[start],
        on_shutdown=[stop], tags=TAGS, context=context, jobs=jobs.HANDLERS,
    )
    return create_service_app(settings, spec)
