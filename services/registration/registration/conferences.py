"""Organizer use cases on a conference beyond creating and editing it (``service``): its public
page previewed with values not saved yet."""

from registration.context import RegistrationContext
from registration.domain import ConferenceCreate, ConferencePublic, ConferenceUpdate
from registration.models import Conference
from registration.service import _conference_fields, conference_public, get_conference

# The id a conference not created yet is previewed under.
UNSAVED_ID = "preview"


async def preview_new_conference(*, ctx: RegistrationContext, data: ConferenceCreate) -> ConferencePublic:
    """The public view of a conference as these values would create it; nothing is written."""
    conference = Conference.model_validate({"_id": data.id or UNSAVED_ID, **_conference_fields(data, only_set=False)})
    return conference_public(conference)


async def preview_conference(*, ctx: RegistrationContext, conference_id: str, data: ConferenceUpdate
                             ) -> ConferencePublic:
    """The public view of the conference with these changes (seats taken as they are); nothing is written."""
    current = await get_conference(ctx=ctx, conference_id=conference_id)
    merged = current.model_dump(by_alias=True) | _conference_fields(data, only_set=True)
    return conference_public(Conference.model_validate(merged))
