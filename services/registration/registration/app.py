from fastapi import FastAPI

from shared.mongo import Indexes
from shared.platform import ServiceSpec, create_service_app

from registration.consumers import consumer_specs
from registration.events import TOPICS
from registration.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    spec = ServiceSpec(
        title="Tadamon registration", description="", routers=[], indexes=Indexes(), topics=TOPICS,
        consumers=consumer_specs(),
    )
    return create_service_app(settings, spec)
