"""Sent outbox entries and processed-message markers expire, later than the topics drop their messages."""

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError
from sample_service import SampleSettings, create_app

from shared.consumer import PROCESSED
from shared.kafka import retention_ms
from shared.outbox import OUTBOX, SENT
from shared.settings import ServiceSettings
from support import Infra, Keys, eventually, running, settings_for, unique

TOPICS_YAML = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "base" / "kafka" / "topics.yaml"
DAY = 86_400


async def test_sent_entries_and_markers_get_ttl_indexes_longer_than_topic_retention(infra: Infra,
                                                                                     keys: Keys) -> None:
    settings = settings_for(SampleSettings, infra, keys, prefix=unique("ttl") + ".", kafka_session_timeout_ms=6000,
                            kafka_heartbeat_interval_ms=500)
    async with running(create_app(settings)) as client:
        platform = client._transport.app.state.platform  # type: ignore[attr-defined]
        outbox = {i["name"]: i async for i in await platform.db[OUTBOX].list_indexes()}
        sent = {i["name"]: i async for i in await platform.db[SENT].list_indexes()}
        markers = {i["name"]: i async for i in await platform.db[PROCESSED].list_indexes()}
        # Entries sent in a batch of their own, or by older versions, expire in the outbox.
        for collection in (sent, outbox):
            assert collection["sent_expire"]["expireAfterSeconds"] == settings.outbox_sent_retention_days * DAY
        assert markers["marker_expire"]["expireAfterSeconds"] == settings.processed_marker_retention_days * DAY
        assert settings.outbox_sent_retention_days > settings.kafka_topic_retention_days
        assert settings.processed_marker_retention_days > settings.kafka_topic_retention_days

        created = await client.post("/notes", json={"text": {"fr": "note"}, "copies": 1},
                                    headers=keys.headers("admin"))
        note_id = created.json()["id"]
        entry = await eventually(lambda: _sent(platform, note_id))
        # The TTL index reads these dates: the entry expires once sent, a marker once written.
        assert isinstance(entry["sent_at"], datetime)
        marker = await eventually(lambda: platform.db[PROCESSED].find_one({"type": "sample.note-written.v1"}),
                                  timeout=60)
        assert isinstance(marker["at"], datetime)


async def _sent(platform: Any, note_id: str) -> Any:
    found = await platform.outbox.written({"subject": note_id, "status": "sent"})
    return found[0] if found else None


async def test_a_pending_entry_has_no_date_the_ttl_index_reads(infra: Infra, keys: Keys) -> None:
    settings = settings_for(SampleSettings, infra, keys, prefix=unique("ttl-pending") + ".", with_consumer=False)
    async with running(create_app(settings)) as client:
        platform = client._transport.app.state.platform  # type: ignore[attr-defined]
        await platform.relay.stop()
        created = await client.post("/notes", json={"text": {"fr": "note"}, "copies": 1},
                                    headers=keys.headers("admin"))
        entry = await platform.db[OUTBOX].find_one({"subject": created.json()["id"]})
    assert entry["status"] == "pending" and "sent_at" not in entry


def test_settings_refuse_markers_that_expire_before_the_topics_drop_their_messages() -> None:
    with pytest.raises(ValidationError, match="processed_marker_retention_days"):
        ServiceSettings(service_name="sample", kafka_topic_retention_days=500, outbox_sent_retention_days=600,
                        processed_marker_retention_days=500)
    with pytest.raises(ValidationError, match="outbox_sent_retention_days"):
        ServiceSettings(service_name="sample", kafka_topic_retention_days=30, outbox_sent_retention_days=10)


def test_kubernetes_topics_keep_messages_as_long_as_the_settings_say() -> None:
    settings = ServiceSettings(service_name="sample")
    topics = [doc for doc in yaml.safe_load_all(TOPICS_YAML.read_text()) if doc and doc["kind"] == "KafkaTopic"]
    assert topics
    for topic in topics:
        name = topic["metadata"]["name"]
        assert int(topic["spec"]["config"]["retention.ms"]) == retention_ms(settings, name), name
    assert settings.kafka_topic_retention_days * DAY * 1000 == 31_536_000_000
