"""Pure rules: register number format, stand allocation, anonymous sales figures."""

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from marketplace.allocation import Candidate, Holder, allocate
from marketplace.domain import SelectionRules, market_day, normalize_register_number
from marketplace.figures import aggregate, public_aggregates

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("raw", "stored"), [("104587", "104587"), ("AGA-21457", "AGA-21457"),
                                             ("aga - 21457", "AGA-21457"), ("OUJ-982", "OUJ-982")])
def test_register_number_accepts_digits_with_optional_register_code(raw: str, stored: str) -> None:
    assert normalize_register_number(raw) == stored


@pytest.mark.parametrize("raw", ["", "012345", "AGA21457", "A-123", "ABCDE-12", "12345678", "AGA-", "AGA-12a"])
def test_register_number_refuses_malformed_values(raw: str) -> None:
    with pytest.raises(ValueError, match="invalid_register_number"):
        normalize_register_number(raw)


def test_market_day_follows_casablanca_time_not_utc() -> None:
    # 23:30 UTC on 1 May 2026 is 00:30 on 2 May in Casablanca (UTC+1).
    assert market_day(datetime(2026, 5, 1, 23, 30, tzinfo=UTC)) == date(2026, 5, 2)


def candidate(n: int, *, region: str = "souss-massa", sector: str = "honey", women: bool = False,
              youth: bool = False, last: date | None = None, minutes: int = 0) -> Candidate:
    return Candidate(application_id=f"app-{n}", cooperative_id=f"coop-{n}", region=region, sector=sector,
                     women_led=women, youth_led=youth, last_exhibited_on=last,
                     submitted_at=T0 + timedelta(minutes=minutes or n))


def test_cooperatives_that_exhibited_least_recently_come_first() -> None:
    outcomes = allocate(
        stands=[1, 2], taken={}, rules=SelectionRules(), applications_closed=True,
        candidates=[candidate(1, last=date(2026, 4, 1)), candidate(2, last=None), candidate(3, last=date(2025, 1, 1))],
    )
    assert [(o.application_id, o.stand_number, o.code) for o in outcomes] == [
        ("app-2", 1, "alloc_ranked"), ("app-3", 2, "alloc_ranked"), ("app-1", None, "alloc_no_stand_left")]


def test_without_recency_priority_application_time_decides() -> None:
    outcomes = allocate(stands=[1], taken={}, rules=SelectionRules(recency_priority=False), applications_closed=True,
                        candidates=[candidate(1, last=date(2026, 4, 1)), candidate(2, last=None)])
    assert outcomes[0].application_id == "app-1" and outcomes[0].stand_number == 1


def test_region_and_sector_quotas_waitlist_applicants_over_the_cap() -> None:
    rules = SelectionRules(region_quotas={"souss-massa": 1}, sector_quotas={"dates": 1})
    outcomes = {o.application_id: o for o in allocate(
        stands=[1, 2, 3, 4], taken={2: Holder("oriental", "dates", False)}, rules=rules, applications_closed=True,
        candidates=[candidate(1), candidate(2), candidate(3, region="oriental", sector="dates"),
                    candidate(4, region="fes-meknes")],
    )}
    assert outcomes["app-1"].stand_number == 1
    assert outcomes["app-2"].code == "alloc_region_quota_full" and outcomes["app-2"].params["quota"] == 1
    assert outcomes["app-3"].code == "alloc_sector_quota_full"
    assert outcomes["app-4"].stand_number == 3


def test_reserved_share_places_women_and_youth_led_cooperatives_first() -> None:
    rules = SelectionRules(reserved_share=0.5)
    outcomes = {o.application_id: o for o in allocate(
        stands=[1, 2, 3, 4], taken={}, rules=rules, applications_closed=False,
        candidates=[candidate(1), candidate(2), candidate(3), candidate(4, women=True), candidate(5, youth=True)],
    )}
    assert outcomes["app-4"].code == outcomes["app-5"].code == "alloc_reserved_share"
    assert outcomes["app-1"].code == outcomes["app-2"].code == "alloc_ranked"
    assert outcomes["app-3"].code == "alloc_no_stand_left"


def test_unused_reserved_stands_are_held_while_applications_are_open_and_released_after() -> None:
    rules = SelectionRules(reserved_share=0.5)
    applicants = [candidate(1), candidate(2), candidate(3)]
    open_window = allocate(stands=[1, 2], taken={}, rules=rules, applications_closed=False, candidates=applicants)
    assert [o.code for o in open_window] == ["alloc_ranked", "alloc_stands_reserved", "alloc_stands_reserved"]
    closed = allocate(stands=[1, 2], taken={}, rules=rules, applications_closed=True, candidates=applicants)
    assert [o.stand_number for o in closed] == [1, 2, None]


def _row(coop: str, amount: float, *, region: str = "souss-massa", women: bool = False,
         category: str = "honey") -> dict[str, object]:
    return {"market_id": "m1", "cooperative_id": coop, "day": "2026-05-01", "amount_mad": amount,
            "by_category": {category: amount}, "region": region, "sector": "honey", "women_led": women,
            "youth_led": False}


def test_public_figures_suppress_groups_of_fewer_than_three_cooperatives() -> None:
    rows = [_row("a", 100), _row("b", 200), _row("c", 300), _row("d", 50, region="oriental"),
            _row("e", 70, region="draa-tafilalet"), _row("f", 30, region="fes-meknes")]
    figures = aggregate(rows)
    assert figures.total_mad == 750 and figures.cooperatives == 6
    regions = {f.key: f for f in figures.by_region}
    assert regions["souss-massa"].amount_mad == 600 and not regions["souss-massa"].suppressed
    for small in ("oriental", "draa-tafilalet", "fes-meknes"):
        assert regions[small].suppressed and regions[small].amount_mad is None
        assert regions[small].cooperatives == 1


def test_complementary_suppression_hides_more_when_small_groups_cover_fewer_than_three() -> None:
    rows = [_row("a", 100), _row("b", 200), _row("c", 300), _row("d", 50, region="oriental"),
            _row("e", 70, region="draa-tafilalet")]
    regions = {f.key: f for f in aggregate(rows).by_region}
    # Oriental and Drâa-Tafilalet hide two cooperatives only: total - Souss-Massa would
    # reveal their sum, so Souss-Massa is hidden as well.
    assert all(f.suppressed for f in regions.values())


def test_a_lone_suppressed_group_cannot_be_recovered_from_the_total() -> None:
    rows = [_row(c, 100) for c in "abc"] + [_row(c, 100, region="oriental") for c in "def"] + [
        _row("g", 999, region="draa-tafilalet")]
    regions = {f.key: f for f in aggregate(rows).by_region}
    hidden = [k for k, f in regions.items() if f.suppressed]
    assert "draa-tafilalet" in hidden and len(hidden) >= 2


def test_women_led_share_is_hidden_when_one_side_has_fewer_than_three_cooperatives() -> None:
    rows = [_row(c, 100) for c in "abcd"] + [_row("w", 400, women=True)]
    assert aggregate(rows).women_led_share.share is None
    rows += [_row("x", 100, women=True), _row("y", 100, women=True)]
    assert aggregate(rows).women_led_share.share == round(600 / 1000, 4)


def test_scope_with_fewer_than_three_cooperatives_shows_no_amount() -> None:
    figures = aggregate([_row("a", 100), _row("b", 200)])
    assert figures.total_mad is None and figures.suppressed and figures.by_region == []


def test_market_with_repeated_opening_days_is_refused() -> None:
    from marketplace.domain import MarketCreate

    with pytest.raises(ValidationError, match="duplicate_days"):
        MarketCreate.model_validate({
            "kind": "mobile_market", "name": {"fr": "Marché"}, "city": "Rabat", "region": "rabat-sale-kenitra",
            "venue": "Bab El Had", "days": ["2026-05-01", "2026-05-01"],
            "application_opens_at": "2026-04-01T00:00:00Z", "application_closes_at": "2026-04-20T00:00:00Z",
            "stands": [{"number": 1, "zone": "A"}],
        })


def _in(market: str, row: dict[str, object]) -> dict[str, object]:
    return {**row, "market_id": market}


def test_a_market_hidden_among_all_markets_shows_no_amount_on_its_own() -> None:
    big = [_in("big", _row(c, amount)) for c, amount in (("a", 1000), ("b", 2000), ("c", 3000))]
    rows = big + [_in("small", _row("lone", 777))]
    overall = public_aggregates(rows)
    # On its own the big market has three cooperatives; shown, its total would give the lone one
    # away as the overall total minus it.
    assert aggregate(big).total_mad == 6000
    assert overall.total_mad == 6777 and all(f.suppressed for f in overall.by_market)
    for market, cooperatives in (("big", 3), ("small", 1)):
        alone = public_aggregates(rows, market)
        assert alone.total_mad is None and alone.by_region == [] and alone.cooperatives == cooperatives
        assert alone.women_led_share.share is None


def test_an_overall_cell_is_hidden_when_the_markets_leave_it_to_fewer_than_three() -> None:
    one = [_in("one", _row(c, 100)) for c in "abc"] + [_in("one", _row(c, 50, region="oriental")) for c in "def"]
    two = ([_in("two", _row(c, 100)) for c in "ghi"] + [_in("two", _row(c, 70, region="fes-meknes")) for c in "jkl"]
           + [_in("two", _row("lone", 999, region="oriental"))])
    rows = one + two
    market_two = {f.key: f for f in public_aggregates(rows, "two").by_region}
    assert market_two["oriental"].suppressed
    assert {f.key: f.amount_mad for f in public_aggregates(rows, "one").by_region}["oriental"] == 150
    # All markets' Orient minus market one's would be the lone cooperative's 999.
    assert {f.key: f.amount_mad for f in aggregate(rows).by_region}["oriental"] == 1149
    overall = {f.key: f for f in public_aggregates(rows).by_region}
    assert overall["oriental"].suppressed and overall["oriental"].amount_mad is None
    assert overall["souss-massa"].amount_mad == 600 and overall["fes-meknes"].amount_mad == 210


def test_overall_share_is_hidden_when_markets_hiding_theirs_hold_one_woman_led_cooperative() -> None:
    one = [_in("one", _row(c, 100)) for c in "abc"] + [_in("one", _row(c, 100, women=True)) for c in "def"]
    two = [_in("two", _row(c, 100)) for c in "ghij"] + [_in("two", _row("w", 400, women=True))]
    rows = one + two
    assert public_aggregates(rows, "one").women_led_share.share == 0.5
    assert public_aggregates(rows, "two").women_led_share.share is None
    assert aggregate(rows).women_led_share.share is not None
    assert public_aggregates(rows).women_led_share.share is None
