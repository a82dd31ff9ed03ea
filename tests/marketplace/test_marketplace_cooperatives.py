"""Cooperative profiles, one-time invitations, and the wall between cooperatives."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from marketplace_factories import cooperative_body, marketplace_service

from support import Infra, Keys


async def test_register_number_is_validated_and_unique(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        bad = await svc.client.post("/cooperatives", json=cooperative_body(register_number="AGA21457"),
                                    headers=svc.organizer | {"Accept-Language": "ar"})
        assert bad.status_code == 422
        [error] = bad.json()["errors"]
        assert error["field"] == "register_number" and error["code"] == "invalid_register_number"
        assert "السجل" in error["message"]
        await svc.cooperative(register_number="aga-21457")
        again = await svc.client.post("/cooperatives", json=cooperative_body(register_number="AGA-21457"),
                                      headers=svc.organizer)
        assert again.status_code == 409 and again.json()["code"] == "register_number_taken"


async def test_invitation_gives_an_exhibitor_token_bound_to_the_cooperative_once(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        coop = await svc.cooperative()
        invited = await svc.client.post(f"/cooperatives/{coop['id']}/invitations", headers=svc.organizer)
        assert invited.status_code == 201, invited.text
        token = invited.json()["token"]
        assert invited.json()["accept_url"].endswith(f"/invitations/{token}")
        accepted = await svc.client.post(f"/invitations/{token}/accept")
        assert accepted.status_code == 200, accepted.text
        access = accepted.json()["access_token"]
        claims = jwt.decode(access, options={"verify_signature": False})
        assert claims["roles"] == ["exhibitor"] and claims["cooperative_id"] == coop["id"]
        own = await svc.client.get(f"/cooperatives/{coop['id']}", headers={"Authorization": f"Bearer {access}"})
        assert own.status_code == 200 and own.json()["register_number"] == coop["register_number"]
        reused = await svc.client.post(f"/invitations/{token}/accept")
        assert reused.status_code == 409 and reused.json()["code"] == "invitation_used"
        unknown = await svc.client.post("/invitations/not-a-real-token/accept")
        assert unknown.status_code == 404 and unknown.json()["code"] == "invitation_invalid"


async def test_exhibitor_tokens_are_minted_with_the_marketplaces_own_key(infra: Infra, keys: Keys,
                                                                         tmp_path: Path) -> None:
    # As deployed: the identity provider's private key never reaches the marketplace.
    own = Keys.generate(tmp_path)
    async with marketplace_service(infra, keys, jwt_private_key_file=str(own.private_file)) as svc:
        coop = await svc.cooperative()
        invited = await svc.client.post(f"/cooperatives/{coop['id']}/invitations", headers=svc.organizer)
        accepted = await svc.client.post(f"/invitations/{invited.json()['token']}/accept")
        access = accepted.json()["access_token"]
        with pytest.raises(jwt.InvalidSignatureError):
            jwt.decode(access, keys.public_file.read_text(), algorithms=["EdDSA"], audience="tadamon")
        mine = await svc.client.get(f"/cooperatives/{coop['id']}", headers={"Authorization": f"Bearer {access}"})
        assert mine.status_code == 200
        # Organizer tokens of the identity provider still work next to it.
        listed = await svc.client.get("/cooperatives", headers=svc.organizer)
        assert listed.status_code == 200


async def test_expired_invitation_is_refused(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        coop = await svc.cooperative()
        invited = await svc.client.post(f"/cooperatives/{coop['id']}/invitations", json={"ttl_hours": 1},
                                        headers=svc.organizer)
        token = invited.json()["token"]
        # An hour is the shortest link an organizer may create: move its expiry into the past.
        await svc.store.db.invitations.update_many(
            {}, {"$set": {"expires_at": datetime.now(UTC) - timedelta(minutes=1)}})
        expired = await svc.client.post(f"/invitations/{token}/accept", headers={"Accept-Language": "fr"})
        assert expired.status_code == 410 and expired.json()["code"] == "invitation_expired"
        assert "expiré" in expired.json()["detail"]


async def test_a_refused_mail_answers_503_leaves_no_usable_link_and_the_invitation_can_be_sent_again(
        infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        coop = await svc.cooperative()
        svc.settings.smtp_port = 1  # nothing listens there
        refused = await svc.client.post(f"/cooperatives/{coop['id']}/invitations", json={"language": "ar"},
                                        headers=svc.organizer | {"Accept-Language": "ar"})
        assert refused.status_code == 503 and refused.json()["code"] == "mail_not_sent"
        assert "تعذر إرسال" in refused.json()["detail"]
        assert await svc.store.db.invitations.count_documents({}) == 0
        svc.settings.smtp_port = svc.mails.port
        again = await svc.client.post(f"/cooperatives/{coop['id']}/invitations", json={"language": "ar"},
                                      headers=svc.organizer)
        assert again.status_code == 201 and again.json()["mailed"] is True
        [mail] = svc.mails.to(coop["contact"]["email"])
        assert mail["Content-Language"] == "ar" and f"{again.json()['accept_url']}?lang=ar" in mail.get_content()


async def test_a_cooperative_without_an_email_gets_its_link_through_the_organizer(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        coop = await svc.cooperative(contact={"phone": "0612345678"})
        invited = await svc.client.post(f"/cooperatives/{coop['id']}/invitations", headers=svc.organizer)
        assert invited.status_code == 201 and invited.json()["mailed"] is False
        assert invited.json()["accept_url"].endswith(f"/invitations/{invited.json()['token']}")
        assert svc.mails.mails == []


async def test_an_invitation_in_an_unknown_language_is_refused(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        coop = await svc.cooperative()
        refused = await svc.client.post(f"/cooperatives/{coop['id']}/invitations", json={"language": "de"},
                                        headers=svc.organizer)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "language"
        assert svc.mails.mails == []


async def test_a_cooperative_can_never_read_or_change_anothers_data(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        mine, theirs = await svc.cooperative(), await svc.cooperative()
        market = await svc.market()
        [their_application] = await svc.apply(theirs["id"], market["id"])
        me = svc.exhibitor(mine["id"])
        read = await svc.client.get(f"/cooperatives/{theirs['id']}", headers=me)
        assert read.status_code == 403 and read.json()["code"] == "forbidden"
        patch = await svc.client.patch(f"/cooperatives/{theirs['id']}", json={"members": 1}, headers=me)
        assert patch.status_code == 403
        product = await svc.client.post(f"/cooperatives/{theirs['id']}/products", headers=me, json={
            "name": {"fr": "Miel"}, "category": "honey", "unit_price_mad": 90})
        assert product.status_code == 403
        # Another cooperative's application and an unknown one are refused alike: nothing tells them apart.
        application = await svc.client.get(f"/applications/{their_application['id']}", headers=me)
        unknown = await svc.client.get("/applications/app-unknown", headers=me)
        assert application.status_code == unknown.status_code == 403
        withdraw = await svc.client.post(f"/applications/{their_application['id']}/withdraw", headers=me)
        assert withdraw.status_code == 403
        listed = await svc.client.get("/applications", headers=me)
        assert listed.status_code == 200 and listed.json() == []
        apply_for_them = await svc.client.post("/applications", headers=me,
                                               json={"market_ids": [market["id"]], "cooperative_id": theirs["id"]})
        assert apply_for_them.status_code == 403
        list_all = await svc.client.get("/cooperatives", headers=me)
        assert list_all.status_code == 403


async def test_exhibitor_edits_its_profile_but_not_allocation_fields(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        coop = await svc.cooperative()
        me = svc.exhibitor(coop["id"])
        changed = await svc.client.patch(f"/cooperatives/{coop['id']}", headers=me,
                                         json={"members": 30, "contact": {"phone": "+212 612 345 678"}})
        assert changed.status_code == 200, changed.text
        assert changed.json()["members"] == 30 and changed.json()["contact"]["phone"] == "+212612345678"
        flagged = await svc.client.patch(f"/cooperatives/{coop['id']}", headers=me, json={"women_led": True})
        assert flagged.status_code == 403 and flagged.json()["params"]["field"] == "women_led"
        added = await svc.client.post(f"/cooperatives/{coop['id']}/products", headers=me, json={
            "name": {"ar": "عسل الزعتر", "fr": "Miel de thym"}, "category": "honey", "unit_price_mad": 250,
            "photo_url": "https://example.ma/miel.jpg"})
        assert added.status_code == 201, added.text
        removed = await svc.client.delete(f"/cooperatives/{coop['id']}/products/{added.json()['product_id']}",
                                          headers=me)
        assert removed.status_code == 204
        profile = await svc.client.get(f"/cooperatives/{coop['id']}", headers=me)
        assert [p["name"]["fr"] for p in profile.json()["products"]] == ["Huile d'argan"]


async def test_a_profile_field_may_be_left_out_but_not_emptied(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        coop = await svc.cooperative()
        emptied = await svc.client.patch(f"/cooperatives/{coop['id']}", headers=svc.organizer,
                                         json={"name": None, "contact": None})
        assert emptied.status_code == 422
        assert [(e["field"], e["code"]) for e in emptied.json()["errors"]] == [("name", "field_not_nullable")]
        cleared = await svc.client.patch(f"/cooperatives/{coop['id']}", headers=svc.organizer, json={"contact": None})
        assert cleared.status_code == 200 and cleared.json()["contact"] is None
        assert cleared.json()["name"] == coop["name"]
