"""Messages the marketplace service publishes.

None carries personal data: cooperatives appear by id, region, sector and the
women-/youth-led flags only.
"""

from datetime import date, datetime

from shared.envelope import Message
from shared.i18n import StoredText

TOPICS: list[str] = [
    "marketplace.markets",
    "marketplace.applications",
    "marketplace.stands",
    "marketplace.checkins",
    "marketplace.sales",
]

MARKETS = "marketplace.markets"
APPLICATIONS = "marketplace.applications"
STANDS = "marketplace.stands"
CHECKINS = "marketplace.checkins"
SALES = "marketplace.sales"


class MarketCreated(Message):
    """``marketplace.market-created.v1`` on ``marketplace.markets``, subject = market id.

    Sent when an organizer creates a market or fair. No consumer yet.
    """

    message_type = "marketplace.market-created.v1"
    topic = MARKETS

    market_id: str
    kind: str
    name: StoredText
    city: str
    region: str
    venue: str
    days: list[date]
    circuit: str | None
    stand_count: int
    application_opens_at: datetime
    application_closes_at: datetime


class ApplicationFact(Message):
    """The fields every ``marketplace.application-<verb>.v1`` message carries.

    Not sent as such (see the facts below). On ``marketplace.applications``, subject =
    application id (one per market applied to; ``submission_id`` groups the markets of
    one application). ``status`` is the status after the fact. No consumer yet.
    """

    topic = APPLICATIONS

    application_id: str
    submission_id: str
    market_id: str
    cooperative_id: str
    status: str
    region: str
    sector: str
    women_led: bool
    youth_led: bool
    stand_number: int | None = None
    at: datetime


class ApplicationSubmitted(ApplicationFact):
    """``marketplace.application-submitted.v1``: a cooperative applied for a market."""

    message_type = "marketplace.application-submitted.v1"


class ApplicationAccepted(ApplicationFact):
    """``marketplace.application-accepted.v1``: the application got a stand (``stand_number`` set).

    By automatic allocation, a manual decision or promotion from the waiting list.
    """

    message_type = "marketplace.application-accepted.v1"


class ApplicationRejected(ApplicationFact):
    """``marketplace.application-rejected.v1``: an organizer refused the application."""

    message_type = "marketplace.application-rejected.v1"


class StandAssigned(Message):
    """``marketplace.stand-assigned.v1`` on ``marketplace.stands``, subject =
    ``<market_id>:<stand_number>``.

    Sent each time a stand is given to a cooperative, with the rule that decided it
    (``reason_code``, e.g. ``alloc_ranked``, ``alloc_reserved_share``, ``alloc_promoted``,
    ``alloc_manual``). No consumer yet.
    """

    message_type = "marketplace.stand-assigned.v1"
    topic = STANDS

    market_id: str
    stand_number: int
    zone: str
    cooperative_id: str
    application_id: str
    pass_id: str
    reason_code: str
    manual: bool
    at: datetime


class ExhibitorCheckedIn(Message):
    """``marketplace.exhibitor-checked-in.v1`` on ``marketplace.checkins``, subject = pass id.

    Sent on the first scan of an exhibitor's pass on an opening day (live or synced
    from an offline device; ``checked_in_at`` is the scan time, UTC). Read by
    recommendations for its indicators.
    """

    message_type = "marketplace.exhibitor-checked-in.v1"
    topic = CHECKINS

    market_id: str
    cooperative_id: str
    stand: int
    day: date
    region: str
    sector: str
    women_led: bool
    youth_led: bool
    checked_in_at: datetime


class SalesDeclared(Message):
    """``marketplace.sales-declared.v1`` on ``marketplace.sales``, subject =
    ``<market_id>:<cooperative_id>:<day>`` (= ``declaration_id``).

    Sent when an exhibitor declares a market day's sales, and again with the new
    total (not a difference) when it corrects them; an unchanged re-declaration sends
    nothing. ``version`` starts at 1 and grows by one with each correction, assigned in
    the transaction that stores the declaration: the newest state of a declaration is
    the one with the highest version (not the latest ``declared_at``). Read by
    recommendations for its indicators.
    """

    message_type = "marketplace.sales-declared.v1"
    topic = SALES

    declaration_id: str
    market_id: str
    cooperative_id: str
    day: date
    amount_mad: float
    by_category: dict[str, float]
    region: str
    sector: str
    women_led: bool
    youth_led: bool
    declared_at: datetime
    version: int


MESSAGES: tuple[type[Message], ...] = (
    MarketCreated, ApplicationSubmitted, ApplicationAccepted, ApplicationRejected, StandAssigned,
    ExhibitorCheckedIn, SalesDeclared,
)
