"""Pure rules of the register: the progress scale, snapshot dates, public actor labels, replay."""

from datetime import UTC, datetime

import pytest

from recommendations.domain import actor_labels, apply, parse_as_of, replay, resolve_progress
from shared.errors import DomainError


def test_progress_must_fit_the_band_of_its_status() -> None:
    assert resolve_progress("limited", 30, 0) == 30
    with pytest.raises(DomainError) as refused:
        resolve_progress("limited", 80, 0)
    assert refused.value.code == "progress_out_of_range"
    with pytest.raises(DomainError):
        resolve_progress("not_started", 10, 0)


def test_progress_defaults_to_current_when_it_fits_else_to_the_status_default() -> None:
    assert resolve_progress("substantial", None, 60) == 60
    assert resolve_progress("substantial", None, 10) == 75
    assert resolve_progress("withdrawn", None, 42) == 42
    assert resolve_progress("not_started", None, 42) == 0


def test_a_bare_date_means_the_end_of_that_day_in_utc() -> None:
    assert parse_as_of("2026-03-01") == datetime(2026, 3, 1, 23, 59, 59, 999000, tzinfo=UTC)
    assert parse_as_of("2026-03-01T10:00:00Z") == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert parse_as_of(None) is None
    with pytest.raises(DomainError) as refused:
        parse_as_of("1st of March")
    assert refused.value.code == "bad_snapshot_date"


def test_public_labels_hide_identities_but_tell_organizers_apart() -> None:
    records = [
        {"seq": 1, "actor": {"sub": "system:demo", "role": "system"}},
        {"seq": 2, "actor": {"sub": "amina@x.ma", "role": "organizer"}},
        {"seq": 3, "actor": {"sub": "youssef@x.ma", "role": "organizer"}},
        {"seq": 4, "actor": {"sub": "amina@x.ma", "role": "organizer"}},
    ]
    labels = actor_labels(records)
    assert labels["system:demo"].label == "demo"
    assert labels["amina@x.ma"].label == "organizer-A"
    assert labels["youssef@x.ma"].label == "organizer-B"
    assert "amina" not in str([label.model_dump() for label in labels.values()])


def test_replay_folds_records_in_sequence_order_per_recommendation() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    records = [
        {"recommendation_id": "r", "seq": 2, "at": at, "set": {"status": "limited", "progress": 20}},
        {"recommendation_id": "r", "seq": 1, "at": at, "set": {"status": "not_started", "progress": 0, "x": 1}},
    ]
    state = replay(records)["r"]
    assert state == apply(apply(None, records[1]), records[0])
    assert (state["status"], state["progress"], state["x"], state["version"]) == ("limited", 20, 1, 2)


def test_an_evidence_file_kind_is_read_from_its_first_bytes_and_its_name_must_agree() -> None:
    from recommendations.evidence import clean_name, content_type_of

    assert content_type_of("Décret.PDF", b"%PDF-1.7 ...") == "application/pdf"
    assert content_type_of("photo.jpeg", b"\xff\xd8\xff\xe0") == "image/jpeg"
    assert content_type_of("photo.jpg", b"\xff\xd8\xff\xe1") == "image/jpeg"
    assert content_type_of("plan.png", b"\x89PNG\r\n\x1a\n....") == "image/png"
    for name, data in [("photo.png", b"%PDF-1.7"), ("run.pdf", b"MZ\x90\x00"), ("page.svg", b"<svg/>"),
                       ("scan.pdf.exe", b"%PDF-1.7")]:
        with pytest.raises(DomainError) as refused:
            content_type_of(name, data)
        assert refused.value.code == "evidence_file_type"
    assert clean_name("C:\\Users\\amina\\rapport\x07.pdf") == "rapport.pdf"
