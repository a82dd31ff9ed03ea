"""The demo loader fills a circuit and a fair, and a second run changes nothing."""

from marketplace_factories import marketplace_service

from marketplace.demo import load_demo
from support import Infra, Keys


async def _counts(svc) -> dict[str, int]:  # type: ignore[no-untyped-def]
    db = svc.store.db
    counts = {name: await db[name].count_documents({}) for name in
              ("cooperatives", "markets", "applications", "stand_assignments")}
    return counts | {"outbox": len(await svc.ctx.platform.outbox.written())}


async def test_demo_loads_a_circuit_and_a_fair_and_is_idempotent(infra: Infra, keys: Keys) -> None:
    async with marketplace_service(infra, keys) as svc:
        await load_demo(svc.ctx)
        first = await _counts(svc)
        assert first["cooperatives"] == 30 and first["markets"] == 5
        assert first["stand_assignments"] > 0 and first["applications"] > 60
        circuit = (await svc.client.get("/markets", params={"circuit": "circuit-printemps-2027"})).json()
        assert {m["city"] for m in circuit} == {"Rabat", "Casablanca", "Agadir", "Oujda"}
        fair = (await svc.client.get("/markets/demo-fair-souss-massa")).json()
        assert fair["kind"] == "regional_fair" and fair["name"]["ar"].startswith("المعرض الجهوي")
        stands = await svc.client.get("/markets/demo-mkt-rabat/stands", headers=svc.organizer)
        assert all(s["decision"]["explanation"] for s in stands.json() if s["cooperative_id"])
        await load_demo(svc.ctx)
        assert await _counts(svc) == first
