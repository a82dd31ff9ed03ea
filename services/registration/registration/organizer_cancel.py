"""An organizer cancels a registration (the participant asked by phone, a duplicate...): the same
effects as the participant's own cancelling (mail, seat to the waiting list), audited."""

from pymongo.asynchronous.client_session import AsyncClientSession

from registration.context import RegistrationContext
from registration.domain import SEAT_HOLDING
from registration.events import ParticipantCancelled
from registration.models import Registration
from registration.service import emit_participant, free_seat_and_promote, participant_fact
from shared.audit import Act
from shared.documents import utcnow
from shared.errors import Conflict, NotFound


async def cancel_for_participant(*, ctx: RegistrationContext, registration_id: str, act: Act | None = None
                                 ) -> Registration:
    """Cancel on the participant's behalf; a seat it held goes to the oldest waitlisted who fits."""
    first = await ctx.store.registration(registration_id)
    if first is None:
        raise NotFound("registration_not_found")
    now = utcnow()

    async def work(session: AsyncClientSession) -> Registration:
        reg = await ctx.store.registration(registration_id, session)
        assert reg is not None
        if reg.status in ("cancelled", "rejected"):
            raise Conflict("already_cancelled")
        # As when the participant cancels: the e-mail's key is released, the address kept inside it.
        released = f"cancelled:{registration_id}:{reg.email_normalized}"
        changed = await ctx.store.change_registration(
            registration_id, {"status": "cancelled", "status_changed_at": now, "email_normalized": released},
            session)
        assert changed is not None
        await emit_participant(ctx, session, participant_fact(ParticipantCancelled, changed, now))
        if reg.status in SEAT_HOLDING:
            await free_seat_and_promote(ctx, session, reg.conference_id, reg.category, now)
        await ctx.store.record_act(act, action="registration.cancel", object_type="registration",
                                   object_id=registration_id, session=session, at=now)
        return changed

    return await ctx.platform.transaction(work, queue_on=first.conference_id)
