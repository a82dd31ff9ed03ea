"""The demo programme loads through the use cases, twice without change, and its release is published."""

from pathlib import Path

import xmlschema

from agenda.app import create_app
from agenda.demo import CONFERENCE_ID, SESSIONS, main
from agenda.settings import Settings
from support import Infra, Keys, envelope_of, read_topic, running, settings_for

FRAB_XSD = Path("/work/shared/schemas/frab-schedule.xml.xsd")


async def test_demo_loads_once_releases_version_one_and_is_published(infra: Infra, keys: Keys) -> None:
    settings = settings_for(Settings, infra, keys)
    await main(settings)
    await main(settings)
    async with running(create_app(settings)) as client:
        schedule = (await client.get(f"/conferences/{CONFERENCE_ID}/schedule", headers={"Accept-Language": "ar"}))
        body = schedule.json()
        assert body["version"] == 1 and len(body["sessions"]) == len(SESSIONS)
        assert body["sessions"][0]["title"] == "الجلسة الافتتاحية"
        assert {s["kind"] for s in body["sessions"]} >= {"plenary", "panel", "workshop", "round_table"}
        frab = await client.get(f"/conferences/{CONFERENCE_ID}/schedule.xml")
        xmlschema.XMLSchema(str(FRAB_XSD)).validate(frab.content)
        records = await read_topic(infra.kafka_bootstrap, settings.topic("agenda.schedules"), expect=2, timeout=8)
        assert [envelope_of(r)["data"]["version"] for r in records] == [1]
