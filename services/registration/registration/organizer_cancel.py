"""An organizer cancels a registration (the participant asked by phone, a duplicate...): the same
effects as the participant's own cancelling (mail, seat to the waiting list), audited."""

from registration.context import RegistrationContext
from registration.models import Registration
from registration.service import cancel
from shared.audit import Act
from shared.errors import NotFound


async def cancel_for_participant(*, ctx: RegistrationContext, registration_id: str, act: Act | None = None
                                 ) -> Registration:
    """Cancel on the participant's behalf; a seat it held goes to the oldest waitlisted who fits."""
    first = await ctx.store.registration(registration_id)
    if first is None:
        raise NotFound("registration_not_found")
    return await cancel(ctx, registration_id, first.conference_id, act)
