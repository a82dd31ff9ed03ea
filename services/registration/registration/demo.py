"""Demo data: the five past editions of the national ESS conference, the upcoming sixth one
(open for registration) and the Souss-Massa regional consultation held in Taroudant.

``python -m registration.demo`` (same environment as the service) loads them through the
service's use cases, so each one's message goes through the outbox; fixed ids make a
second run change nothing.
"""

import asyncio
from datetime import UTC, date, datetime

from registration import service
from registration.context import RegistrationContext
from registration.domain import ConferenceCreate
from registration.events import TOPICS
from registration.settings import Settings
from registration.store import RegistrationStore, indexes
from shared.i18n import LocalizedText
from shared.platform import Platform, ServiceSpec
from shared.signing import load_signer

ORDINALS = {
    1: ("الأولى", "1re", "1st"), 2: ("الثانية", "2e", "2nd"), 3: ("الثالثة", "3e", "3rd"),
    4: ("الرابعة", "4e", "4th"), 5: ("الخامسة", "5e", "5th"), 6: ("السادسة", "6e", "6th"),
}
# Slogans as the ministry's documents give them in Arabic, translated faithfully.
SLOGANS = {
    1: LocalizedText(
        ar="الاقتصاد الاجتماعي والتضامني: رهان لتنمية اقتصادية واجتماعية مستدامة",
        fr="L'économie sociale et solidaire : un enjeu pour un développement économique et social durable",
        en="The social and solidarity economy: a stake for sustainable economic and social development"),
    2: LocalizedText(
        ar="الاقتصاد الاجتماعي والتضامني: أي مرجعيات من أجل التنمية والتقارب؟",
        fr="L'économie sociale et solidaire : quels référentiels pour le développement et le rapprochement ?",
        en="The social and solidarity economy: which frames of reference for development and rapprochement?"),
    3: LocalizedText(
        ar="الاقتصاد الاجتماعي والتضامني والتنمية المستدامة",
        fr="L'économie sociale et solidaire et le développement durable",
        en="The social and solidarity economy and sustainable development"),
    4: LocalizedText(
        ar="استراتيجية جديدة للاقتصاد الاجتماعي والتضامني رهان مستقبلي من أجل تنمية اقتصادية ومجالية مستدامة",
        fr="Une nouvelle stratégie pour l'économie sociale et solidaire, un enjeu d'avenir pour un "
           "développement économique et territorial durable",
        en="A new strategy for the social and solidarity economy, a stake for the future for sustainable "
           "economic and territorial development"),
    5: LocalizedText(
        ar="الاقتصاد الاجتماعي والتضامني والتنمية المجالية: نحو دينامية جديدة لالتقائية السياسات العمومية",
        fr="L'économie sociale et solidaire et le développement territorial : vers une nouvelle dynamique de "
           "convergence des politiques publiques",
        en="The social and solidarity economy and territorial development: towards a new dynamic of "
           "convergence of public policies"),
}
# (edition, first day, last day, venue, city, region, capacity)
EDITIONS = [
    (1, date(2013, 6, 26), date(2013, 6, 27), "Rabat", "Rabat", "rabat-sale-kenitra", 600),
    (2, date(2015, 11, 20), date(2015, 11, 21), "Palais des congrès", "Skhirat", "rabat-sale-kenitra", 800),
    (3, date(2016, 7, 14), date(2016, 7, 14), "Foire internationale de Casablanca", "Casablanca",
     "casablanca-settat", 800),
    (4, date(2018, 12, 4), date(2018, 12, 4), "Centre international de conférences Mohammed VI", "Skhirat",
     "rabat-sale-kenitra", 1000),
    # The sources give only the closing day of the fifth edition.
    (5, date(2025, 6, 18), date(2025, 6, 18), "Université Mohammed VI Polytechnique", "Ben Guerir",
     "marrakech-safi", 1500),
]


def _title(edition: int) -> LocalizedText:
    ar, fr, en = ORDINALS[edition]
    return LocalizedText(ar=f"الدورة {ar} للمناظرة الوطنية للاقتصاد الاجتماعي والتضامني",
                         fr=f"{fr} édition des Assises nationales de l'économie sociale et solidaire",
                         en=f"{en} National Conference on the Social and Solidarity Economy")


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def conferences() -> list[ConferenceCreate]:
    items = [
        ConferenceCreate(id=f"ess-national-{n}", kind="national_conference", edition=n, title=_title(n),
                         slogan=SLOGANS[n], venue=venue, city=city, region=region, starts_on=start, ends_on=end,
                         capacity=capacity, registration_closes_at=_at(start))
        for n, start, end, venue, city, region, capacity in EDITIONS
    ]
    items.append(ConferenceCreate(
        id="ess-national-6", kind="national_conference", edition=6, title=_title(6),
        venue="Université Mohammed VI Polytechnique", city="Ben Guerir", region="marrakech-safi",
        starts_on=date(2027, 6, 16), ends_on=date(2027, 6, 17),
        capacity=2000, quotas={"cooperative": 700, "association": 400, "international_partner": 150, "media": 80},
        registration_opens_at=datetime(2026, 1, 5, tzinfo=UTC),
        registration_closes_at=datetime(2027, 6, 10, 23, 59, tzinfo=UTC)))
    items.append(ConferenceCreate(
        id="ess-souss-massa-2018", kind="regional_consultation",
        title=LocalizedText(
            ar="لقاء تشاوري لجهة سوس ماسة حول بلورة الاستراتيجية الوطنية وبرامج عمل الاقتصاد الاجتماعي والتضامني",
            fr="Consultation régionale Souss-Massa sur l'élaboration de la stratégie nationale et des "
               "programmes d'action de l'économie sociale et solidaire",
            en="Souss-Massa regional consultation on drawing up the national strategy and action programmes "
               "of the social and solidarity economy"),
        venue="Salle de conférences de la Maison de l'INDH", city="Taroudant", region="souss-massa",
        starts_on=date(2018, 8, 4), ends_on=date(2018, 8, 4), capacity=150,
        registration_closes_at=_at(date(2018, 8, 4))))
    return items


async def load_demo(*, ctx: RegistrationContext) -> list[str]:
    """Create the demo conferences that do not exist yet; returns the ids created."""
    created = []
    for item in conferences():
        assert item.id is not None
        if await ctx.store.conference(item.id) is None:
            await service.create_conference(ctx=ctx, data=item)
            created.append(item.id)
    return created


async def main() -> None:
    settings = Settings()
    spec = ServiceSpec(title="registration demo", description="", routers=[], indexes=indexes(),
                       topics=TOPICS)
    platform = Platform(settings, spec)
    # The demo creates conferences only: neither the signer nor the mailer is reached.
    ctx = RegistrationContext(platform=platform, store=RegistrationStore.of(platform), signer=load_signer(
        key_file=settings.signing_key_file, previous_key_files=settings.signing_previous_key_files,
        production=settings.production))
    try:
        await ctx.store.ensure_indexes()
        created = await load_demo(ctx=ctx)
        print(f"registration: {len(created)} demo conference(s) created: {', '.join(created) or 'none'}")
    finally:
        await platform.client.close()


if __name__ == "__main__":
    asyncio.run(main())
