from fastapi import FastAPI

from recommendations import console, console_indicators, console_milestones, pages, store
from recommendations.api import router
from recommendations.consumers import consumer_specs
from recommendations.context import FORM_OVERHEAD_BYTES, Recommendations, recommendations_of
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
        await ensure_automatic_indicators(ctx=recommendations_of(platform))

    def context(platform: Platform) -> Recommendations:
        return Recommendations(platform=platform, store=store.open_store(platform),
                               evidence_max_bytes=settings.evidence_max_bytes)

    upload_body = settings.evidence_max_bytes + FORM_OVERHEAD_BYTES

    spec = ServiceSpec(
        title="Tadamon recommendations", description=DESCRIPTION,
        routers=[router, pages.router, console.router, console_milestones.router, console_indicators.router,
                 jobs_console_router()],
        indexes=store.indexes(), topics=TOPICS, messages=MESSAGES, consumers=consumer_specs(), on_startup=[start],
        tags=TAGS, context=context,
        large_bodies=[(r"/recommendations/[^/]+/status/upload", upload_body),
                      (r"/console/recommendations/[^/]+/status", upload_body)],
    )
    return create_service_app(settings, spec)
