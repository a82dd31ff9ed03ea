from fastapi import FastAPI

from marketplace import invitation_pages, pages
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


def create_app(settings: Settings) -> FastAPI:
    signer = Signer.from_file_or_new(settings.signing_key_file)

    async def open_store(platform: Platform) -> None:
        platform.extras["store"] = Store(platform, signer)

    spec = ServiceSpec(
        title="Tadamon marketplace", description=DESCRIPTION,
        routers=[router, pages.router, invitation_pages.router], indexes=indexes(),
        topics=TOPICS, consumers=consumer_specs(), on_startup=[open_store],
    )
    return create_service_app(settings, spec)
