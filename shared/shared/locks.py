"""Per-key locks inside one process."""

import asyncio
from collections import defaultdict


class KeyedLocks:
    """One ``asyncio.Lock`` per key (a conference, a session, a market).

    Changes to one hot document queue here instead of colliding in MongoDB and
    retrying in a storm of write conflicts; across processes the transaction stays
    the guarantee.
    """

    def __init__(self) -> None:
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    def __call__(self, key: str) -> asyncio.Lock:
        return self._locks[key]
