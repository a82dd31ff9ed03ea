"""Concurrent changes keep one exact sequence; the demo loader runs as a module with the service's env."""

import asyncio
import os
import subprocess
import sys

from recommendations_factories import AMINA, YOUSSEF, new_recommendation, service

from recommendations.demo import load_demo
from recommendations.documents import rebuild
from recommendations.store import RecommendationsStore
from support import Infra, Keys, unique


async def test_concurrent_changes_get_distinct_consecutive_sequence_numbers(infra: Infra, keys: Keys) -> None:
    async with service(infra, keys) as svc:
        rec = (await svc.client.post("/recommendations", json=new_recommendation(), headers=svc.organizer())).json()
        url = f"/recommendations/{rec['id']}/status"

        async def change(i: int) -> int:
            response = await svc.client.post(url, headers=svc.organizer(AMINA if i % 2 else YOUSSEF),
                                             json={"status": "limited", "progress": i + 1, "reason": f"mesure {i}"})
            return response.status_code

        codes = await asyncio.gather(*(change(i) for i in range(12)))
        store = RecommendationsStore(svc.platform.db)
        records = await store.timeline(rec["id"])
        current = await store.recommendation(rec["id"])
    # conflicting transactions are retried whole, so every change lands, each with its own number
    assert codes == [200] * 12
    assert [r.seq for r in records] == list(range(1, 14))
    assert [r.at for r in records] == sorted(r.at for r in records)
    assert rebuild(records)[rec["id"]] == current


async def test_demo_module_loads_once_with_the_services_environment(infra: Infra, keys: Keys) -> None:
    db_name = unique("demo").replace("-", "_")
    env = {**os.environ, **infra.env(unique("t") + ".", db_name), "JWT_PUBLIC_KEY_FILE": str(keys.public_file)}
    for _ in range(2):
        done = subprocess.run([sys.executable, "-m", "recommendations.demo"], env=env, capture_output=True,
                              timeout=120, cwd=infra.root / "services" / "recommendations")
        assert done.returncode == 0, done.stderr.decode()[-2000:]
    async with service(infra, keys, mongo_db=db_name) as svc:
        listed = (await svc.client.get("/recommendations")).json()
        indicators = (await svc.client.get("/indicators")).json()
        history = await svc.platform.db["history"].count_documents({})
    assert len(listed) == 28 and all(r["version"] in (1, 2) for r in listed)
    assert history == 28 + 4
    assert len(indicators) == 8


async def test_the_demo_register_is_dated_from_the_adoption_of_the_recommendations(infra: Infra, keys: Keys
                                                                                   ) -> None:
    async with service(infra, keys) as svc:
        await load_demo(svc.platform)
        # The README's own example: a day after the adoption (18 June 2025) and before the demo was loaded.
        year_after = (await svc.client.get("/recommendations", params={"date": "2026-06-30"})).json()
        before = (await svc.client.get("/recommendations", params={"date": "2025-06-17"})).json()
        board = (await svc.client.get("/dashboard", params={"date": "2026-06-30"})).json()
        page = await svc.client.get("/progress", params={"date": "2026-06-30", "lang": "fr"})
    assert len(year_after) == 28 and before == []
    assert board["total"] == 28
    assert page.text.count("data-recommendation=") == 28
