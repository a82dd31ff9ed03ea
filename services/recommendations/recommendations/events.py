"""Messages the recommendations service publishes.

None carries personal data: the actor of a change is given by role only.
"""

from datetime import date, datetime

from shared.envelope import Message
from shared.i18n import StoredText

TOPICS: list[str] = ["recommendations.recommendations", "recommendations.indicators"]

RECOMMENDATIONS = "recommendations.recommendations"
INDICATORS = "recommendations.indicators"


class RecommendationCreated(Message):
    """``recommendations.recommendation-created.v1``: a recommendation entered the register.

    Sent when an organizer registers one, when the demo loader seeds the 28 of the
    5th edition, or when agenda's outcome message brings one adopted in a session
    (``session_id`` set; ``edition`` null until the conference is known). A repeated
    outcome recording updates the text and sends nothing. Subject: the recommendation id.
    No reader yet.
    """

    message_type = "recommendations.recommendation-created.v1"
    topic = RECOMMENDATIONS

    recommendation_id: str
    edition: int | None
    number: int | None
    conference_id: str | None
    session_id: str | None
    text: StoredText
    themes: list[str]
    sdgs: list[int]
    lead_body: str | None
    contributing_bodies: list[str]
    target_date: date | None
    status: str
    progress: int
    created_at: datetime


class RecommendationStatusChanged(Message):
    """``recommendations.recommendation-status-changed.v1``: status or progress changed.

    Sent on a direct change (any status but ``complete``) and on the approval of a
    completion by a second organizer (``approved`` true); a proposal or a send-back
    changes no status and sends nothing. ``seq`` is the recommendation's history
    sequence number. Subject: the recommendation id. No reader yet.
    """

    message_type = "recommendations.recommendation-status-changed.v1"
    topic = RECOMMENDATIONS

    recommendation_id: str
    seq: int
    from_status: str
    to_status: str
    from_progress: int
    to_progress: int
    reason: str
    evidence_count: int
    approved: bool
    by_role: str
    at: datetime


class MilestoneCompleted(Message):
    """``recommendations.milestone-completed.v1``: an action/milestone of a recommendation was done.

    ``late`` is true when completed after its due date. Subject: the recommendation id
    (so its messages stay ordered). No reader yet.
    """

    message_type = "recommendations.milestone-completed.v1"
    topic = RECOMMENDATIONS

    recommendation_id: str
    milestone_id: str
    seq: int
    title: StoredText
    owner: str
    due_date: date
    completed_at: datetime
    late: bool


class IndicatorUpdated(Message):
    """``recommendations.indicator-updated.v1``: an indicator has a new current value.

    Sent for a manual value entered by an organizer and for every change of an
    automatic indicator (participants per region from registration; exhibiting
    cooperatives and declared sales from marketplace). ``breakdown`` holds the
    per-region counts where relevant. Subject: the indicator id. No reader yet.
    """

    message_type = "recommendations.indicator-updated.v1"
    topic = INDICATORS

    indicator_id: str
    recommendation_id: str | None
    seq: int
    value: float
    unit: str
    as_of: datetime
    source: str
    baseline: float | None
    target: float | None
    breakdown: dict[str, float] | None


MESSAGES: tuple[type[Message], ...] = (
    RecommendationCreated, RecommendationStatusChanged, MilestoneCompleted, IndicatorUpdated,
)
