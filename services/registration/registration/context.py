"""The registration service's typed context: what its use cases, routes and handlers reach."""

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends
from prometheus_client import CollectorRegistry, Histogram
from pymongo.asynchronous.client_session import AsyncClientSession

from registration.domain import Arrival
from registration.models import Registration
from registration.store import RegistrationStore
from shared.groupcommit import GroupCommit
from shared.mongo import after_commit
from shared.platform import Platform, context_dependency, platform_context
from shared.signing import Signer

if TYPE_CHECKING:
    from registration.gate import ScanResult
    from registration.mailer import Mailer
    from registration.offline import LiveScan


class MailHints:
    """Ids of mails this process has queued, for its mailer to claim by id rather than by a poll.

    An id is given once its transaction committed, so the mailer finds every mail not taken
    meanwhile (by a poll, by another process). Mails never hinted (queued by another process,
    left by a crash) are found by the mailer's poll.
    """

    def __init__(self) -> None:
        # A dict for its order: mails are claimed in the order they were queued. Each id with the
        # time (monotonic) it was given.
        self.ids: dict[str, float] = {}
        self.wake = asyncio.Event()

    def add(self, session: AsyncClientSession, mail_ids: list[str]) -> None:
        """Hand ``mail_ids``, queued in the transaction of ``session``, to the mailer once it commits."""
        after_commit(session, lambda: self._give(mail_ids))

    def _give(self, mail_ids: list[str]) -> None:
        self.ids.update(dict.fromkeys(mail_ids, time.monotonic()))
        self.wake.set()


@dataclass
class RegistrationContext:
    """``ServiceSpec.context`` of the registration service, built once per process."""

    platform: Platform
    store: RegistrationStore
    signer: Signer
    # Built on the context it sends for (see ``registration.app``).
    mailer: "Mailer" = field(init=False)
    mail_hints: MailHints = field(default_factory=MailHints)
    # Registration requests for one conference, written together while one of its transactions runs.
    arrivals: GroupCommit[Arrival, Registration] = field(init=False)
    # Live scans at one conference's gates, written together while one of their transactions runs.
    scans: "GroupCommit[LiveScan, ScanResult]" = field(init=False)

    def __post_init__(self) -> None:
        sizes = self.platform.metrics.own("registration_batches", batch_size_histogram)
        self.arrivals = GroupCommit(observe=sizes.observe)
        self.scans = GroupCommit()


def batch_size_histogram(registry: CollectorRegistry) -> Histogram:
    return Histogram("tadamon_registration_batch_size", "Registration requests written in one transaction",
                     buckets=(1, 2, 5, 10, 20, 50, 100), registry=registry)


def context_of(platform: Platform) -> RegistrationContext:
    return platform_context(platform, RegistrationContext)


Ctx = Annotated[RegistrationContext, Depends(context_dependency(RegistrationContext))]
