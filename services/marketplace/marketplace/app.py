from fastapi import FastAPI

from marketplace import pages
from marketplace.api import router
from marketplace.consumers import consumer_specs
from marketplace.events import TOPICS
from marketplace.settings import Settings
from marketplace.store import Store, indexes
from shared.platform import Platform, ServiceSpec, create_service_app
from shared.signing import Signer

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
    signer = Signer.from_file_or_new(settings.signing_key_file)

    async def open_store(platform: Platform) -> None:
        platform.extras["store"] = Store(platform, signer)

    spec = ServiceSpec(
        title="Tadamon marketplace", description=DESCRIPTION, routers=[router, pages.router], indexes=indexes(),
        topics=TOPICS, consumers=consumer_specs(), on_startup=[open_store], tags=TAGS,
    )
    return create_service_app(settings, spec)
