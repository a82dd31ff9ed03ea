"""An organizer's reason for a decision: kept with the registration, shown, written into the
participant's mail in their language, erased with the personal data."""

from email.message import EmailMessage

from registration_factories import registration_service

from support import Infra, Keys, eventually


def _body(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


async def test_a_rejection_reason_is_kept_and_reaches_the_participant_in_their_language(
        infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference(requires_approval=True)
        created = await svc.register(conference["id"], email="hind@example.ma", language="ar")
        rid = created["registration"]["id"]
        reason = "اكتمل عدد المقاعد المخصصة للتعاونيات"
        refused = await svc.client.post(f"/admin/registrations/{rid}/reject", headers=svc.organizer,
                                        json={"reason": f"  {reason} "})
        assert refused.status_code == 200, refused.text
        assert refused.json()["decision_reason"] == reason

        async def pending_and_rejected() -> list[EmailMessage] | None:
            found = svc.mails.to("hind@example.ma")
            return found if len(found) == 2 else None

        mails = await eventually(pending_and_rejected)
        rejection = next(m for m in mails if m["Subject"].startswith("بخصوص طلب تسجيلكم"))
        assert f"سبب قرار المنظمين: {reason}" in _body(rejection)
        assert rejection["Content-Language"] == "ar"

        erased = await svc.client.post(f"/admin/registrations/{rid}/erase", headers=svc.organizer)
        assert erased.json()["decision_reason"] is None


async def test_an_approval_without_reason_mails_no_reason_line_and_a_long_reason_is_refused(
        infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        conference = await svc.conference(requires_approval=True)
        rid = (await svc.register(conference["id"], email="paul@example.ma", language="fr"))["registration"]["id"]
        too_long = await svc.client.post(f"/admin/registrations/{rid}/approve", headers=svc.organizer,
                                         json={"reason": "x" * 1001})
        assert too_long.status_code == 422
        approved = await svc.client.post(f"/admin/registrations/{rid}/approve", headers=svc.organizer)
        assert approved.status_code == 200 and approved.json()["decision_reason"] is None

        async def approval() -> EmailMessage | None:
            return next((m for m in svc.mails.to("paul@example.ma") if "validée" in m["Subject"]), None)

        mail = await eventually(approval)
        assert "Motif" not in _body(mail)
