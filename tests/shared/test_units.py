from pathlib import Path

import pytest
from pydantic import ValidationError

from shared.envelope import Envelope
from shared.i18n import LocalizedText, negotiate_language, translate
from shared.signing import InvalidSignedToken, Signer


def test_accept_language_prefers_highest_quality_supported_language() -> None:
    assert negotiate_language("en-GB;q=0.4, ar-MA;q=0.9, de") == "ar"
    assert negotiate_language("de-DE, it") == "fr"
    assert negotiate_language(None) == "fr"
    assert negotiate_language("fr-FR,en;q=0.8") == "fr"
    assert negotiate_language("en;q=0, ar;q=0.1") == "ar"


def test_localized_text_needs_one_language_and_falls_back_in_order() -> None:
    with pytest.raises(ValidationError):
        LocalizedText(ar=" ", fr=None)
    text = LocalizedText(ar="تضامن", en="Solidarity")
    assert text.pick("fr") == "تضامن"
    assert text.pick("en") == "Solidarity"


def test_messages_exist_in_three_languages() -> None:
    assert translate("forbidden", "ar").startswith("ليست")
    assert translate("forbidden", "en").startswith("You are not")
    assert translate("field_too_short", "fr", min=3) == "La valeur est trop courte (minimum 3)."


def test_envelope_type_follows_the_naming_convention() -> None:
    Envelope(type="registration.participant-registered.v1", source="registration", subject="p1")
    with pytest.raises(ValidationError):
        Envelope(type="ParticipantRegistered", source="registration", subject="p1")


def test_signed_token_verifies_and_rejects_alteration_and_other_keys() -> None:
    signer = Signer.from_file_or_new("")
    token = signer.sign({"t": "badge", "r": "reg-1", "c": "conf-1"})
    assert signer.verifier().verify(token, kind="badge")["r"] == "reg-1"
    header, payload, signature = token.split(".")
    forged_payload = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB")
    with pytest.raises(InvalidSignedToken):
        signer.verifier().verify(f"{header}.{forged_payload}.{signature}", kind="badge")
    with pytest.raises(InvalidSignedToken):
        Signer.from_file_or_new("").verifier().verify(token, kind="badge")
    with pytest.raises(InvalidSignedToken):
        signer.verifier().verify(token, kind="pass")


def test_scan_window_reads_the_event_days_in_its_time_zone_with_the_stated_margins() -> None:
    from datetime import UTC, date, datetime, timedelta
    from zoneinfo import ZoneInfo

    from shared.scanwindow import CLOCK_SKEW, EARLY_ARRIVAL, LATE_DEPARTURE, event_day, scan_time_refusal

    tz = ZoneInfo("Africa/Casablanca")
    first, last = date(2026, 6, 16), date(2026, 6, 17)
    opens = datetime(2026, 6, 16, tzinfo=tz) - EARLY_ARRIVAL
    closes = datetime(2026, 6, 18, tzinfo=tz) + LATE_DEPARTURE
    later = datetime(2030, 1, 1, tzinfo=UTC)

    def refusal(at: datetime, now: datetime = later) -> str | None:
        return scan_time_refusal(at, now=now, first_day=first, last_day=last, tz=tz)

    assert refusal(opens) is None and refusal(closes - timedelta(seconds=1)) is None
    assert refusal(opens - timedelta(seconds=1)) == "scan_outside_event_days"
    assert refusal(closes) == "scan_outside_event_days"
    assert refusal(datetime(1970, 1, 1, tzinfo=UTC)) == "scan_outside_event_days"
    now = datetime(2026, 6, 16, 10, tzinfo=UTC)
    assert refusal(now + CLOCK_SKEW, now) is None
    assert refusal(now + CLOCK_SKEW + timedelta(seconds=1), now) == "scan_in_future"
    assert event_day(opens, first_day=first, last_day=last, tz=tz) == first
    assert event_day(closes - timedelta(seconds=1), first_day=first, last_day=last, tz=tz) == last
    # 23:30 UTC on the 16th is already the 17th in Casablanca (UTC+1).
    assert event_day(datetime(2026, 6, 16, 23, 30, tzinfo=UTC), first_day=first, last_day=last, tz=tz) == last


def test_key_files_expand_patterns_and_refuse_a_missing_plain_path(tmp_path: Path) -> None:
    from shared.signing import Signer, key_files, load_public_key

    signer = Signer.from_file_or_new("")
    (tmp_path / "previous-1.pem").write_text(signer.public_pem())
    assert key_files(f" {tmp_path}/previous-*.pem , ") == [str(tmp_path / "previous-1.pem")]
    assert key_files(f"{tmp_path}/none-*.pem") == []
    with pytest.raises(FileNotFoundError):
        key_files(f"{tmp_path}/previous-2.pem")
    assert signer.verifier().verify(signer.sign({"t": "badge"}), kind="badge") == {"t": "badge"}
    rotated = Signer(Signer.from_file_or_new("").private_key, [load_public_key(str(tmp_path / "previous-1.pem"))])
    assert rotated.verifier().verify(signer.sign({"t": "badge"}), kind="badge") == {"t": "badge"}
