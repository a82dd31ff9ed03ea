from fastapi import FastAPI

from shared.mongo import Indexes
from shared.platform import ServiceSpec, create_service_app

from recommendations.consumers import consumer_specs
from recommendations.events import TOPICS
from recommendations.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    spec = ServiceSpec(
        title="Tadamon recommendations", description="", routers=[], indexes=Indexes(), topics=TOPICS,
        consumers=consumer_specs(),
    )
    return create_service_app(settings, spec)
