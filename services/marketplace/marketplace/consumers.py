"""Kafka handlers of the marketplace service."""

from marketplace.store import Store
from shared.consumer import ConsumerSpec

CONSUMED_TOPICS: list[str] = []


def consumer_specs() -> list[ConsumerSpec[Store]]:
    return []
