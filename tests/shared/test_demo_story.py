"""The demo data tells one story across services."""

from agenda.demo import CONFERENCE as AGENDA_CONFERENCE
from registration.demo import conferences


def test_the_agenda_and_registration_demos_place_the_sixth_conference_in_the_same_place_and_days() -> None:
    sixth = next(c for c in conferences() if c.id == AGENDA_CONFERENCE.conference_id)
    assert (sixth.venue, sixth.city) == (AGENDA_CONFERENCE.venue, AGENDA_CONFERENCE.city)
    assert (sixth.starts_on, sixth.ends_on) == (AGENDA_CONFERENCE.starts_on, AGENDA_CONFERENCE.ends_on)
    assert sixth.title.model_dump() == AGENDA_CONFERENCE.title.model_dump()
    assert sixth.region == "marrakech-safi"
