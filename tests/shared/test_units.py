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
