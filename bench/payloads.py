"""Request bodies: a conference, participants, cooperatives and markets, all unique to one run."""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from registration.domain import CATEGORIES
from shared.regions import REGIONS
from shared.timezones import MOROCCO_TIMEZONE

REGION_CODES = tuple(REGIONS)
GENDERS = ("female", "male")
AGE_BANDS = ("under_25", "25_34", "35_44", "45_54", "55_64", "65_plus")
LANGUAGES = ("ar", "fr", "en")
SECTORS = ("agrifood", "argan_oils", "cosmetics", "textiles_carpets", "crafts", "honey", "dates", "couscous_cereals")


def conference(conference_id: str, capacity: int, title: str) -> dict[str, Any]:
    """A regional consultation held today where it takes place (its badges scan now), open for registration,
    with no category quota. Today in Morocco: an hour before midnight UTC it is already tomorrow there, and
    a conference of the day before is closed."""
    starts = datetime.now(ZoneInfo(MOROCCO_TIMEZONE)).date()
    return {
        "id": conference_id, "kind": "regional_consultation",
        "title": {"fr": f"Banc d'essai {title}", "en": f"Benchmark {title}"},
        "venue": "Salle de test", "city": "Rabat", "region": "rabat-sale-kenitra",
        "starts_on": starts.isoformat(), "ends_on": starts.isoformat(), "capacity": capacity,
        "requires_approval": False,
    }


def participant(run_id: str, index: int, tag: str = "p") -> dict[str, Any]:
    """Participant ``index`` of a run: a unique e-mail, a valid Moroccan mobile number, regions in rotation."""
    return {
        "full_name": f"Participant {tag.upper()} {index}",
        "email": f"{tag}{index}.{run_id}@bench.tadamon.ma",
        "phone": f"06{index % 10_000_000:08d}",
        "organization_name": f"Organisation {index % 97}",
        "organization_type": CATEGORIES[index % len(CATEGORIES)],
        "region": REGION_CODES[index % len(REGION_CODES)],
        "gender": GENDERS[index % len(GENDERS)],
        "age_band": AGE_BANDS[index % len(AGE_BANDS)],
        "language": LANGUAGES[index % len(LANGUAGES)],
        "consent": True,
    }


def register_letters(run_id: str) -> str:
    """Four letters for the local register code of this run's cooperatives (unique register numbers)."""
    digits = "".join(ch for ch in run_id if ch.isalnum())
    return "".join(chr(ord("A") + int(ch, 16) % 26) for ch in digits[-4:])


def cooperative(run_id: str, index: int) -> dict[str, Any]:
    region = REGION_CODES[index % len(REGION_CODES)]
    sector = SECTORS[index % len(SECTORS)]
    return {
        "name": {"fr": f"Coopérative banc d'essai {index}", "ar": f"تعاونية تجريبية {index}"},
        "register_number": f"{register_letters(run_id)}-{index + 1}",
        "region": region, "province": "Province de test", "sector": sector, "members": 5 + index % 40,
        "women_led": index % 3 == 0, "youth_led": index % 5 == 0,
        "products": [{"name": {"fr": f"Produit {sector}"}, "category": sector, "unit_price_mad": 50 + index % 200}],
    }


def market(run_id: str, index: int, day: date, stands: int) -> dict[str, Any]:
    """A mobile market open today, applications open around now, ``stands`` stands, no quota."""
    now = datetime.now(UTC)
    return {
        "kind": "mobile_market", "name": {"fr": f"Marché banc d'essai {index + 1} ({run_id})"},
        "city": "Rabat", "region": REGION_CODES[index % len(REGION_CODES)], "venue": f"Place {index + 1}",
        "days": [day.isoformat()],
        "application_opens_at": (now - timedelta(days=1)).isoformat(),
        "application_closes_at": (now + timedelta(days=1)).isoformat(),
        "circuit": f"bench-{run_id}",
        "stands": [{"number": n, "zone": "A" if n <= stands // 2 else "B"} for n in range(1, stands + 1)],
        "rules": {"reserved_share": 0.0, "recency_priority": True},
    }


def sales(index: int, correction: bool = False) -> dict[str, Any]:
    """A day's sales by category, amounts in whole dirhams plus a few centimes (sums stay exact in cents)."""
    sector = SECTORS[index % len(SECTORS)]
    amount = 500 + (index * 37) % 4000 + (index % 100) / 100
    if correction:
        amount += 125.5
    return {"by_category": {sector: round(amount, 2), "other": 40.25},
            "items": [{"label": f"Vente {index}", "quantity": 1 + index % 9, "amount_mad": round(amount, 2)}]}


def sales_total(body: dict[str, Any]) -> float:
    return round(float(sum(body["by_category"].values())), 2)
