"""Demo data: the 28 recommendations of the 5th national conference (Ben Guerir, 18 June 2025),
a few milestones, and the strategy's manual indicators.

Idempotent: every item has a fixed id and is skipped when present, so a second run
changes nothing. ``python -m recommendations.demo`` uses the service's environment.
"""

import asyncio
import json
import logging
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from recommendations import indicators as ind
from recommendations import milestones, service, store
from recommendations.context import Recommendations, recommendations_of
from recommendations.domain import MilestoneCreate, RecommendationCreate
from recommendations.settings import Settings
from shared.i18n import LocalizedText
from shared.platform import Platform, ServiceSpec

log = logging.getLogger(__name__)
DATA = Path(__file__).with_name("data") / "ess5_recommendations.json"
DEMO = service.Actor.system("demo")
SEEDED = "Seeded from the published list of the 5th edition's general recommendations."
# The register starts when the 5th edition adopted its recommendations, at its closing
# (Ben Guerir, 18 June 2025), not when the demo is loaded: a snapshot of any later day shows them.
ADOPTED_AT = datetime(2025, 6, 18, 12, 0, tzinfo=UTC)

MILESTONES: list[dict[str, Any]] = [
    {"recommendation_id": "ess5-r01", "id": "m-r01-consultations", "owner": "ministry_ess", "due_date": "2026-05-31",
     "title": {"ar": "مشاورات جهوية حول تحيين الاستراتيجية في الجهات الاثنتي عشرة",
               "fr": "Consultations régionales sur l'actualisation de la stratégie dans les douze régions",
               "en": "Regional consultations on updating the strategy in the twelve regions"}},
    {"recommendation_id": "ess5-r04", "id": "m-r04-decree", "owner": "ministry_ess", "due_date": "2026-03-31",
     "title": {"ar": "مشروع نص إحداث المرصد الوطني للاقتصاد الاجتماعي والتضامني",
               "fr": "Projet de texte portant création de l'observatoire national de l'ESS",
               "en": "Draft text creating the national ESS observatory"}},
    {"recommendation_id": "ess5-r07", "id": "m-r07-register-spec", "owner": "odco", "due_date": "2026-09-30",
     "title": {"ar": "دفتر التحملات التقني للسجل الوطني لمنظمات الاقتصاد الاجتماعي والتضامني",
               "fr": "Cahier des charges technique du registre national des organisations de l'ESS",
               "en": "Technical specification of the national register of ESS organisations"}},
    {"recommendation_id": "ess5-r17", "id": "m-r17-markets-2027", "owner": "ministry_ess", "due_date": "2027-03-31",
     "title": {"ar": "برمجة الأسواق المتنقلة للمنتجات التعاونية لسنة 2027",
               "fr": "Programmation 2027 des marchés itinérants des produits coopératifs",
               "en": "2027 programme of mobile markets for cooperative products"}},
]

# Targets of the ESS strategy (DOMAIN.md); values are entered by organizers as sources publish them.
MANUAL_INDICATORS: list[dict[str, Any]] = [
    {"id": "ind-strategy-cooperative-employees", "recommendation_id": "ess5-r08", "unit": "persons",
     "baseline": 50_000, "target": 175_000, "baseline_date": "2010-01-01", "target_date": "2020-12-31",
     "name": {"ar": "عدد أجراء التعاونيات", "fr": "Salariés des coopératives", "en": "Cooperative employees"}},
    {"id": "ind-strategy-cooperative-membership", "recommendation_id": "ess5-r12", "unit": "percent",
     "baseline": 3.1, "target": 7.5, "baseline_date": "2010-01-01", "target_date": "2020-12-31",
     "name": {"ar": "نسبة المنخرطين في التعاونيات من الساكنة النشيطة",
              "fr": "Adhérents des coopératives en part de la population active",
              "en": "Cooperative members as a share of the active population"}},
    {"id": "ind-strategy-ess-gdp-share", "recommendation_id": "ess5-r06", "unit": "percent",
     "baseline": 1.6, "target": 3.9, "baseline_date": "2010-01-01", "target_date": "2020-12-31",
     "name": {"ar": "حصة الاقتصاد الاجتماعي والتضامني من الناتج الداخلي الإجمالي",
              "fr": "Part de l'ESS dans le PIB", "en": "ESS share of GDP"}},
    {"id": "ind-r08-additional-jobs", "recommendation_id": "ess5-r08", "unit": "jobs",
     "baseline": 0, "target": 50_000, "baseline_date": "2025-06-18", "target_date": None,
     "name": {"ar": "فرص الشغل الإضافية في الاقتصاد الاجتماعي والتضامني",
              "fr": "Emplois supplémentaires dans l'ESS", "en": "Additional ESS jobs"}},
]


def published_recommendations() -> list[dict[str, Any]]:
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return [{**item, "edition": data["edition"]} for item in data["recommendations"]]


async def load_demo(platform: Platform) -> dict[str, int]:
    """Load what is missing; returns how many items of each kind were added."""
    ctx = recommendations_of(platform)
    added = {"recommendations": 0, "milestones": 0, "indicators": 0}
    for item in published_recommendations():
        if await ctx.store.recommendation(item["id"]) is None:
            await service.register_recommendation(
                ctx=ctx, actor=DEMO, adopted_at=ADOPTED_AT,
                data=RecommendationCreate(reason=SEEDED, **{k: v for k, v in item.items()}))
            added["recommendations"] += 1
    for milestone in MILESTONES:
        state = await ctx.store.recommendation(milestone["recommendation_id"])
        if state is not None and all(m.id != milestone["id"] for m in state.milestones):
            await milestones.add_milestone(
                ctx=ctx, recommendation_id=milestone["recommendation_id"], actor=DEMO,
                milestone_id=milestone["id"],
                data=MilestoneCreate(title=LocalizedText(**milestone["title"]), owner=milestone["owner"],
                                     due_date=date.fromisoformat(milestone["due_date"]), reason="Planned action."))
            added["milestones"] += 1
    for definition in MANUAL_INDICATORS:
        if await ctx.store.indicator(definition["id"]) is None:
            await ind.define_indicator(ctx=ctx, data=ind.IndicatorCreate(
                reason="Target of the national ESS strategy.", **definition))
            added["indicators"] += 1
    return added


async def main() -> None:
    settings = Settings()
    platform = Platform(settings, ServiceSpec(
        title="demo", description="", routers=[], indexes=store.indexes(), topics=[],
        context=lambda p: Recommendations(platform=p, store=store.open_store(p))))
    try:
        ctx = recommendations_of(platform)
        await ctx.store.prepare_indexes()
        await ind.ensure_automatic_indicators(ctx=ctx)
        added = await load_demo(platform)
        log.warning("demo data loaded: %s", added)
    finally:
        await platform.client.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    asyncio.run(main())
