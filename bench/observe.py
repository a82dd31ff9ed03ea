"""Read-only views of the running stack: its databases, Kafka consumer lag, indicators.

Nothing here writes to a service's database. "Quiet" means every outbox is published,
every consumer group has caught up and registration's mail queue is empty: scenarios
start from there, so one scenario's backlog does not weigh on the next one's figures.
"""

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient

from agenda.consumers import consumer_specs as agenda_consumers
from bench.config import KAFKA_BOOTSTRAP, MONGO_URL, SERVICE_NAMES, service_db, service_url
from recommendations.consumers import consumer_specs as recommendations_consumers
from registration.consumers import consumer_specs as registration_consumers
from shared.consumer import ConsumerSpec
from shared.mongo import Document

# The consumer groups of the stack and the topics each reads, from the services' own declarations.
CONSUMERS: list[ConsumerSpec[Any]] = [*registration_consumers(), *agenda_consumers(), *recommendations_consumers()]
PARTICIPANTS_BY_REGION = "ind-r21-participants-by-region"
EXHIBITING_COOPERATIVES = "ind-r17-exhibiting-cooperatives"
MARKET_SALES = "ind-r17-market-sales-mad"


def mongo() -> AsyncMongoClient[Document]:
    return AsyncMongoClient(MONGO_URL, tz_aware=True)


async def partitions_of(admin: AIOKafkaAdminClient, topics: list[str]) -> list[TopicPartition]:
    """Every partition of the existing ``topics``."""
    described = await admin.describe_topics(topics)
    return [TopicPartition(t["topic"], p["partition"]) for t in described if t["error_code"] == 0
            for p in sorted(t["partitions"], key=lambda p: p["partition"])]


async def consumer_lag() -> dict[str, int]:
    """Messages each consumer group has not committed yet, summed over its topics' partitions."""
    admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA_BOOTSTRAP, client_id="bench-observer")
    probe = AIOKafkaConsumer(bootstrap_servers=KAFKA_BOOTSTRAP, client_id="bench-observer")
    await admin.start()
    await probe.start()
    try:
        lag = {}
        for spec in CONSUMERS:
            partitions = await partitions_of(admin, spec.topics)
            ends = await probe.end_offsets(partitions) if partitions else {}
            committed = await admin.list_consumer_group_offsets(spec.group, partitions=partitions or None)
            lag[spec.group] = sum(end - (committed[tp].offset if tp in committed and committed[tp].offset >= 0
                                         else 0) for tp, end in ends.items())
        return lag
    finally:
        await probe.stop()
        await admin.close()


async def backlog(client: AsyncMongoClient[Document]) -> dict[str, int]:
    """Unpublished outbox entries per service, mails waiting to be sent, consumer lag per group."""
    found = {f"outbox:{name}": await client[service_db(name)]["outbox"].count_documents({"status": "pending"})
             for name in SERVICE_NAMES}
    found["mails:registration"] = await client[service_db("registration")]["mails"].count_documents(
        {"state": {"$in": ["pending", "sending"]}})
    found |= {f"lag:{group}": value for group, value in (await consumer_lag()).items()}
    return found


@dataclass
class Quiet:
    reached: bool
    waited_s: float
    backlog: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {"reached": self.reached, "waited_s": round(self.waited_s, 1), "backlog": self.backlog}


async def wait_quiet(client: AsyncMongoClient[Document], timeout: float, every: float = 1.0,
                     say: bool = True) -> Quiet:
    """Wait until nothing is pending anywhere (or ``timeout`` seconds); report what was left."""
    began = time.monotonic()
    last_said = 0.0
    while True:
        found = await backlog(client)
        waited = time.monotonic() - began
        if not any(found.values()) or waited >= timeout:
            return Quiet(not any(found.values()), waited, found)
        if say and waited - last_said >= 15:
            busy = ", ".join(f"{k}={v}" for k, v in found.items() if v)
            print(f"    waiting for the stack to settle ({waited:.0f} s): {busy}", flush=True)
            last_said = waited
        await asyncio.sleep(every)


async def indicator(http: httpx.AsyncClient, indicator_id: str) -> dict[str, Any]:
    """An indicator's current value and breakdown, through recommendations' public API."""
    response = await http.get(f"{service_url('recommendations')}/indicators/{indicator_id}", params={"limit": 1})
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    current = body.get("current") or {}
    return {"value": current.get("value") or 0.0, "breakdown": current.get("breakdown") or {}}


async def indicator_value(http: httpx.AsyncClient, indicator_id: str) -> float:
    return float((await indicator(http, indicator_id))["value"])


async def ready(http: httpx.AsyncClient, patience: float = 30.0) -> dict[str, bool]:
    """Each service's ``/readyz``, asked again for up to ``patience`` seconds while one is not ready
    (a service reports "not ready" for a moment while Kafka's metadata changes)."""
    began = time.monotonic()
    while True:
        found = {}
        for name in SERVICE_NAMES:
            try:
                found[name] = (await http.get(f"{service_url(name)}/readyz")).status_code == 200
            except httpx.HTTPError:
                found[name] = False
        if all(found.values()) or time.monotonic() - began >= patience:
            return found
        await asyncio.sleep(1.0)
