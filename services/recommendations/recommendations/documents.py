"""The documents ``store.py`` reads and writes, as stored models.

A recommendation's document is the fold of its history records (``domain.apply``); the
fold itself stays a pure function on plain data (the records' ``set``), and ``fold`` /
``rebuild`` here give it back as models. Days are kept as ISO strings, as stored.
"""

from datetime import datetime
from typing import Any, TypedDict

from pydantic import BaseModel, Field

from recommendations.domain import ActorPublic, actor_labels, apply, replay
from shared.documents import Stored
from shared.i18n import StoredText


class EvidenceFileRef(BaseModel):
    """A file kept in this service's database as the proof itself (see ``EvidenceFile``)."""

    id: str
    name: str
    content_type: str
    size: int
    uploaded_at: datetime


class StoredEvidence(BaseModel):
    url: str | None = None
    reference: str | None = None
    description: str
    date: str
    file: EvidenceFileRef | None = None


class ActorRef(BaseModel):
    sub: str
    role: str


class SessionLink(BaseModel):
    id: str
    title: StoredText | None = None


class PendingProposal(BaseModel):
    """A completion proposed by one organizer, waiting for another's decision."""

    by: str
    role: str
    at: datetime
    reason: str
    evidence: list[StoredEvidence]


class StoredMilestone(BaseModel):
    id: str
    title: StoredText
    owner: str
    due_date: str
    completed_at: datetime | None = None
    evidence: list[StoredEvidence] = Field(default_factory=list)


class Recommendation(Stored):
    """The current state of a recommendation: the projection of its history."""

    edition: int | None
    number: int | None
    conference_id: str | None
    session: SessionLink | None
    needs_review: bool
    source: str
    text: StoredText
    themes: list[str]
    sdgs: list[int]
    lead_body: str | None
    contributing_bodies: list[str]
    target_date: str | None
    status: str
    progress: int
    evidence: list[StoredEvidence]
    pending: PendingProposal | None
    milestones: list[StoredMilestone]
    version: int
    created_at: datetime
    updated_at: datetime

    def fields(self) -> dict[str, Any]:
        """The state as the fold reads it."""
        return self.model_dump()

    def evidence_list(self) -> list[dict[str, Any]]:
        return [item.model_dump() for item in self.evidence]


class HistoryRecord(Stored):
    """One immutable change of a recommendation; ``changes`` (stored as ``set``) are the fields it sets."""

    recommendation_id: str
    seq: int
    at: datetime
    kind: str
    actor: ActorRef
    changes: dict[str, Any] = Field(alias="set")
    reason: str | None = None
    evidence: list[StoredEvidence] = Field(default_factory=list)
    from_status: str | None = None
    to_status: str | None = None
    from_progress: int | None = None
    to_progress: int | None = None
    milestone_id: str | None = None

    @staticmethod
    def key(recommendation_id: str, seq: int) -> str:
        return f"{recommendation_id}:{seq:08d}"


def fold(state: Recommendation | None, record: HistoryRecord) -> Recommendation:
    return Recommendation.model_validate(apply(state.fields() if state else None, record.to_document()))


def rebuild(records: list[HistoryRecord]) -> dict[str, Recommendation]:
    """The states the records (any recommendations) fold into, as ``domain.replay`` does."""
    states = replay([record.to_document() for record in records])
    return {rid: Recommendation.model_validate(state) for rid, state in states.items()}


def labels_of(records: list[HistoryRecord]) -> dict[str, ActorPublic]:
    return actor_labels([record.to_document() for record in records])


class IndicatorCurrentValue(BaseModel):
    value: float
    as_of: datetime
    recorded_at: datetime
    source: str
    breakdown: dict[str, float] | None = None


class Indicator(Stored):
    recommendation_id: str | None
    name: StoredText
    unit: str
    mode: str
    baseline: float | None = None
    baseline_date: str | None = None
    target: float | None = None
    target_date: str | None = None
    source: str | None = None
    version: int = 0
    current: IndicatorCurrentValue | None = None
    created_at: datetime
    reason: str | None = None


class IndicatorValue(Stored):
    """One value of an indicator, appended; the latest is also the indicator's ``current``."""

    indicator_id: str
    seq: int
    value: float
    as_of: datetime
    recorded_at: datetime
    source: str
    breakdown: dict[str, float] | None = None
    reason: str | None = None
    by_role: str

    @staticmethod
    def key(indicator_id: str, seq: int) -> str:
        return f"{indicator_id}:{seq:010d}"

    def current(self) -> IndicatorCurrentValue:
        return IndicatorCurrentValue.model_validate(self.model_dump())


class EvidenceFile(Stored):
    """An uploaded proof: its metadata; the bytes are kept in numbered chunks beside it."""

    recommendation_id: str
    name: str
    content_type: str
    size: int
    chunks: int
    uploaded_at: datetime
    uploaded_by: str

    def ref(self) -> EvidenceFileRef:
        return EvidenceFileRef(id=self.id, name=self.name, content_type=self.content_type, size=self.size,
                               uploaded_at=self.uploaded_at)


# The latest fact per key behind the automatic indicators (small records: typed dicts).

class ParticipantFact(TypedDict):
    conference_id: str
    status: str
    region: str
    at: datetime
    version: int | None
    counted: bool


class SalesFact(TypedDict):
    cents: int
    declared_at: datetime
    version: int | None
    market_id: str
    cooperative_id: str
    day: str


class SalesTotals(TypedDict):
    cents: int
    pending: list[str]
