"""Kafka handlers of the marketplace service."""

from marketplace.context import Marketplace
from shared.consumer import ConsumerSpec

CONSUMED_TOPICS: list[str] = []


def consumer_specs() -> list[ConsumerSpec[Marketplace]]:
    return []
