"""The console's navigation across services."""

from shared.i18n import LANGUAGES, has_message, translate
from shared.settings import ServiceSettings
from shared.web.console import SERVICES, console_nav


def test_the_navigation_reaches_every_service_with_console_screens_accounts_included() -> None:
    settings = ServiceSettings(service_name="registration", accounts_url="https://accounts.tadamon.ma/")
    nav = dict(console_nav(settings))
    assert list(nav) == ["registration", "agenda", "recommendations", "marketplace", "accounts"]
    assert nav["accounts"] == "https://accounts.tadamon.ma/console"
    for service in SERVICES:
        assert has_message(f"console_nav_{service}")
        assert all(translate(f"console_nav_{service}", lang) != f"console_nav_{service}" for lang in LANGUAGES)


def test_a_service_whose_address_is_unknown_is_left_out_instead_of_breaking_the_page() -> None:
    class Partial:
        registration_url = "http://127.0.0.1:8001"
        agenda_url = ""

    assert console_nav(Partial()) == [("registration", "http://127.0.0.1:8001/console")]
