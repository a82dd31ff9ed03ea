"""What a gate scan is and what it answers: shared by live scans and offline batches."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from registration.models import Registration
from shared.auth import Principal
from shared.timezones import Moment

Outcome = Literal["checked_in", "already_checked_in", "refused", "invalid"]


class ScanResult(BaseModel):
    outcome: Outcome
    code: str
    registration_id: str | None = None
    number: int | None = None
    category: str | None = None
    status: str | None = None
    checked_in_at: datetime | None = None


class Scan(BaseModel):
    token: str = Field(min_length=1, max_length=2000)
    nonce: str | None = Field(default=None, min_length=1, max_length=100)
    scanned_at: Moment | None = None
    decided_offline: bool = False
    offline_verdict: Literal["admitted", "refused"] | None = None
    snapshot_version: str | None = Field(default=None, min_length=1, max_length=40)


class Operator(BaseModel):
    """Who held the scanner (or checked someone in by hand): the signed-in person's id and name."""

    sub: str
    name: str | None = None

    @classmethod
    def of(cls, principal: Principal | None) -> "Operator | None":
        return None if principal is None else cls(sub=principal.sub, name=principal.name)


class GateContext(BaseModel):
    """Who scanned and how: passed down to the check-in and the conflict records."""

    device_id: str | None
    scanned_at: datetime
    offline: Scan | None = None
    operator: Operator | None = None

    @property
    def admitted_offline(self) -> bool:
        return self.offline is not None and self.offline.offline_verdict == "admitted"


def result_of(outcome: Outcome, code: str, reg: Registration | None = None) -> ScanResult:
    if reg is None:
        return ScanResult(outcome=outcome, code=code)
    return ScanResult(outcome=outcome, code=code, registration_id=reg.id, number=reg.number,
                      category=reg.category, status=reg.status, checked_in_at=reg.checked_in_at)
