"""Pure rules: seats, quotas, the registration window, normalization."""

from datetime import UTC, datetime

import pytest

from registration.domain import (
    Arrival,
    RegistrationCreate,
    decide_arrivals,
    has_seat,
    normalize_email,
    normalize_phone,
    registration_window,
    status_on_arrival,
)


def test_a_seat_is_left_only_below_capacity_and_category_quota() -> None:
    conference = {"capacity": 3, "taken": 2, "quotas": {"media": 1}, "taken_by_category": {"media": 1}}
    assert has_seat(conference, "cooperative")
    assert not has_seat(conference, "media")
    assert not has_seat({**conference, "taken": 3}, "cooperative")


def test_arrival_status_is_pending_when_approval_is_required_and_a_seat_is_left() -> None:
    conference = {"capacity": 1, "taken": 0, "requires_approval": True}
    assert status_on_arrival(conference, "other") == "pending"
    assert status_on_arrival({**conference, "taken": 1}, "other") == "waitlisted"
    assert status_on_arrival({**conference, "requires_approval": False}, "other") == "confirmed"


def test_registration_window_bounds() -> None:
    conference = {"registration_opens_at": datetime(2026, 1, 1, tzinfo=UTC),
                  "registration_closes_at": datetime(2026, 2, 1, tzinfo=UTC), "ends_on": "2026-03-01"}
    assert registration_window(conference, datetime(2025, 12, 31, tzinfo=UTC)) == "registration_not_open"
    assert registration_window(conference, datetime(2026, 1, 15, tzinfo=UTC)) is None
    assert registration_window(conference, datetime(2026, 2, 2, tzinfo=UTC)) == "registration_closed"


def test_registration_closes_when_the_conference_ends_in_its_own_time_zone() -> None:
    conference = {"starts_on": "2026-03-30", "ends_on": "2026-03-31", "timezone": "Africa/Casablanca"}
    # Casablanca is UTC+1: the last day ends at 23:00 UTC.
    assert registration_window(conference, datetime(2026, 3, 31, 22, 59, tzinfo=UTC)) is None
    assert registration_window(conference, datetime(2026, 3, 31, 23, 0, tzinfo=UTC)) == "registration_closed"
    assert registration_window({**conference, "registration_closes_at": datetime(2027, 1, 1, tzinfo=UTC)},
                               datetime(2026, 4, 1, tzinfo=UTC)) == "registration_closed"


def test_email_normalization_ignores_case_and_surrounding_spaces() -> None:
    assert normalize_email("  Amina.ALAOUI@Example.MA ") == "amina.alaoui@example.ma"


def test_phone_normalization_accepts_moroccan_and_international_forms() -> None:
    assert normalize_phone("06-12-34-56-78") == "+212612345678"
    assert normalize_phone("+212 7 12 34 56 78") == "+212712345678"
    assert normalize_phone("+1 202 555 0143") == "+12025550143"
    with pytest.raises(ValueError, match="field_bad_phone"):
        normalize_phone("0000")


def _arrival(email: str, category: str = "cooperative", at: datetime | None = None) -> Arrival:
    data = RegistrationCreate.model_validate({
        "full_name": "Nadia Amrani", "email": email, "phone": "0612345678", "organization_name": "Coopérative",
        "organization_type": category, "region": "souss-massa", "consent": True})
    return Arrival(data=data, email_normalized=normalize_email(email), registration_id=f"r-{email}", nonce="n",
                   at=at or datetime(2026, 1, 15, tzinfo=UTC))


def test_arrivals_decided_together_get_the_seats_in_arrival_order_within_quotas() -> None:
    conference = {"capacity": 3, "taken": 1, "quotas": {"media": 1}, "taken_by_category": {"cooperative": 1},
                  "ends_on": "2026-03-01"}
    arrivals = [_arrival("a@x.ma", "media"), _arrival("b@x.ma", "media"), _arrival("c@x.ma"), _arrival("d@x.ma")]
    assert decide_arrivals(conference, arrivals, set()) == ["confirmed", "waitlisted", "confirmed", "waitlisted"]
    # The conference read is left as it was: a retried transaction decides again from what it reads.
    assert conference["taken"] == 1 and conference["taken_by_category"] == {"cooperative": 1}


def test_an_email_already_registered_or_earlier_in_the_batch_is_refused_and_takes_no_seat() -> None:
    conference = {"capacity": 2, "taken": 0, "ends_on": "2026-03-01"}
    arrivals = [_arrival("Old@x.ma"), _arrival("new@x.ma"), _arrival(" NEW@x.ma "), _arrival("late@x.ma")]
    assert decide_arrivals(conference, arrivals, {"old@x.ma"}) == [
        "already_registered", "confirmed", "already_registered", "confirmed"]


def test_each_arrival_is_judged_against_the_window_at_its_own_time() -> None:
    conference = {"capacity": 5, "registration_closes_at": datetime(2026, 2, 1, tzinfo=UTC), "ends_on": "2026-03-01"}
    arrivals = [_arrival("a@x.ma"), _arrival("b@x.ma", at=datetime(2026, 2, 2, tzinfo=UTC)),
                _arrival("c@x.ma", at=datetime(2026, 2, 1, tzinfo=UTC))]
    assert decide_arrivals({**conference, "requires_approval": True}, arrivals, set()) == [
        "pending", "registration_closed", "pending"]
