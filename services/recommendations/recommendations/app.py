from fastapi import FastAPI

from recommendations import console, pages, store
from recommendations.api import router
from recommendations.consumers import consumer_specs
from recommendations.events import MESSAGES, TOPICS
from recommendations.indicators import ensure_automatic_indicators
from recommendations.settings import Settings
from shared.jobs import jobs_console_router
from shared.platform import Platform, ServiceSpec, create_service_app

DESCRIPTION = (
    "Follow-up of the national conference's recommendations: status with evidence and a two-person rule, "
    "milestones, indicators (some fed by registration and marketplace), an append-only history, "
    "public dashboard and open data rebuilt for any past date."
)


TAGS = {
    "public": "The register of recommendations, indicators, the dashboard and open data; no sign-in.",
    "organizers": "Registering recommendations, status changes with evidence, approvals and milestones "
                  "(recommendations officers).",
}


def create_app(settings: Settings) -> FastAPI:
    async def start(platform: Platform) -> None:
        await ensure_automatic_indicators(store.Store(platform.db))

    spec = ServiceSpec(
        title="Tadamon recommendations", description=DESCRIPTION,
        routers=[router, pages.router, console.router, jobs_console_router()],
        indexes=store.indexes(), topics=TOPICS, messages=MESSAGES, consumers=consumer_specs(), on_startup=[start],
        tags=TAGS,
    )
    return create_service_app(settings, spec)
