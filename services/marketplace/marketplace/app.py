from fastapi import FastAPI

from marketplace import api_files, background, console, console_cooperatives, invitation_pages, pages
from marketplace.api import router
from marketplace.consumers import consumer_specs
from marketplace.context import Marketplace, open_marketplace
from marketplace.events import MESSAGES, TOPICS
from marketplace.settings import Settings
from marketplace.store import indexes
from shared.jobs import jobs_console_router
from shared.platform import Platform, ServiceSpec, create_service_app
from shared.signing import MissingSigningKey, load_signer

DESCRIPTION = (
    "Mobile markets and fairs for cooperative products: cooperatives and their products, "
    "applications and stand allocation, signed exhibitor passes with QR check-in, sales."
)


TAGS = {
    "cooperatives": "Cooperative profiles, their products and the invitations of their members.",
    "markets": "Mobile markets and fairs of cooperative products.",
    "stands": "Stand maps and the allocation of stands to applications (market organizers).",
    "applications": "Cooperatives' applications to a market and the decisions on them.",
    "passes": "Exhibitor passes, their QR codes, scans at the market gate and attendance.",
    "sales": "Daily sales declared by cooperatives and the anonymous figures drawn from them.",
}


def create_app(settings: Settings) -> FastAPI:
    signer = load_signer(key_file=settings.signing_key_file, previous_key_files=settings.signing_previous_key_files,
                         production=settings.production)
    if settings.production and not settings.jwt_private_key_file:
        raise MissingSigningKey("JWT_PRIVATE_KEY_FILE is required in production: without it no invitation "
                                "can be accepted")

    def context(platform: Platform) -> Marketplace:
        return open_marketplace(platform, signer)

    spec = ServiceSpec(
        title="Tadamon marketplace", description=DESCRIPTION,
        routers=[router, api_files.router, pages.router, invitation_pages.router, console.router,
                 console_cooperatives.router, jobs_console_router()], indexes=indexes(),
        topics=TOPICS, messages=MESSAGES, consumers=consumer_specs(), context=context, tags=TAGS,
        jobs=background.JOBS,
    )
    return create_service_app(settings, spec)
