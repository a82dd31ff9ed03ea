from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from agenda import console, console_sessions, pages, people_api, store
from agenda.api import router
from agenda.consumers import consumer_specs
from agenda.context import Agenda
from agenda.domain import ScheduleConflict
from agenda.events import MESSAGES, TOPICS
from agenda.settings import Settings
from shared.errors import problem_response
from shared.i18n import StoredText, request_language
from shared.platform import Platform, ServiceSpec, create_service_app
from shared.signing import MissingSigningKey, Verifier

DESCRIPTION = (
    "Programme of the ESS conferences: rooms, speakers, sessions, numbered releases with a public "
    "changelog, sign-ups with waiting lists, personal agendas, and JSON / iCalendar / frab exports."
)


async def _localized_conflict(request: Request, exc: Exception) -> JSONResponse:
    """A clash names the other session: its title is given in the caller's language."""
    assert isinstance(exc, ScheduleConflict)
    lang = request_language(request)
    params = {k: v.pick(lang) if isinstance(v, StoredText) else v for k, v in exc.params.items()}
    return problem_response(request, status=exc.status, code=exc.code, params=params)


TAGS = {
    "public": "The released programme, its exports (iCal, frab XML) and changelog; no sign-in.",
    "programme": "Rooms, speakers, sessions, releases and sign-up lists of the draft programme (organizers).",
    "participants": "A registered participant's sign-ups, stars and personal agenda (manage token).",
    "visitors": "Personal agendas of visitors without a registration, reached by their own agenda id.",
}


def create_app(settings: Settings) -> FastAPI:
    manage_verifier = Verifier.from_pem_files(settings.registration_public_key_file)
    if settings.production and not manage_verifier.keys:
        raise MissingSigningKey("REGISTRATION_PUBLIC_KEY_FILE is required in production: "
                                "without it no manage token verifies")

    def context(platform: Platform) -> Agenda:
        return Agenda.of(platform, manage_verifier if manage_verifier.keys else None)

    spec = ServiceSpec(
        title="Tadamon agenda", description=DESCRIPTION, indexes=store.indexes(),
        routers=[router, people_api.router, pages.router, console.router, console_sessions.router],
        topics=TOPICS, messages=MESSAGES, consumers=consumer_specs(), context=context, tags=TAGS,
    )
    app = create_service_app(settings, spec)
    app.add_exception_handler(ScheduleConflict, _localized_conflict)
    return app
