"""Demo programme of the 6th national conference on the ESS (Ben Guerir, 16-17 June 2027).

``python -m agenda.demo`` (with the service's environment) loads rooms, speakers and
sessions on the strategy's axes, then releases version 1. Every item has a fixed id:
a second run changes nothing. The messages it writes wait in the outbox until the
agenda service's relay publishes them.
"""

import asyncio
import logging
from datetime import date
from typing import Any

from agenda import service, sessions, store
from agenda.context import Agenda
from agenda.domain import Conference, RoomCreate, SessionCreate, SpeakerCreate
from agenda.events import TOPICS
from agenda.settings import Settings
from shared.i18n import LocalizedText
from shared.outbox import outbox_indexes
from shared.platform import Platform, ServiceSpec

log = logging.getLogger(__name__)
CONFERENCE_ID = "ess-national-6"
D1, D2 = "2027-06-16", "2027-06-17"

CONFERENCE = Conference(
    conference_id=CONFERENCE_ID, starts_on=date(2027, 6, 16), ends_on=date(2027, 6, 17),
    city="Ben Guerir", venue="Université Mohammed VI Polytechnique",
    # The same as registration's demo (which owns conferences): used only until its message arrives.
    title=LocalizedText(ar="الدورة السادسة للمناظرة الوطنية للاقتصاد الاجتماعي والتضامني",
                        fr="6e édition des Assises nationales de l'économie sociale et solidaire",
                        en="6th National Conference on the Social and Solidarity Economy"),
)

ROOMS = [
    RoomCreate(id="ess6-grand-amphi", name="Grand amphithéâtre", capacity=1200,
               interpretation_languages=["ar", "fr", "en"]),
    RoomCreate(id="ess6-salle-a", name="Salle A", capacity=120, interpretation_languages=["ar", "fr"]),
    RoomCreate(id="ess6-salle-b", name="Salle B", capacity=120, interpretation_languages=["ar", "fr"]),
    RoomCreate(id="ess6-salle-c", name="Salle C", capacity=60, interpretation_languages=[]),
    RoomCreate(id="ess6-esplanade", name="Esplanade des exposants", capacity=800, interpretation_languages=[]),
]


def _speaker(sid: str, name: str, organization: str, ar: str, fr: str) -> SpeakerCreate:
    return SpeakerCreate(id=sid, name=name, organization=organization, bio=LocalizedText(ar=ar, fr=fr))


SPEAKERS = [
    _speaker("ess6-sp-ministry", "Nadia Berrada", "Ministère chargé de l'ESS",
             "مديرة الاقتصاد الاجتماعي والتضامني بالوزارة.",
             "Directrice de l'économie sociale et solidaire au ministère."),
    _speaker("ess6-sp-odco", "Hassan Ouazzani", "Office du développement de la coopération",
             "مسؤول عن مواكبة التعاونيات.", "Responsable de l'accompagnement des coopératives."),
    _speaker("ess6-sp-region", "Fatima Zahra Amrani", "Conseil de la région Souss-Massa",
             "نائبة رئيس مجلس جهة سوس ماسة.", "Vice-présidente du conseil de la région Souss-Massa."),
    _speaker("ess6-sp-coop", "Khadija Aït Lahcen", "Coopérative d'argan Tifawin",
             "رئيسة تعاونية نسائية لإنتاج زيت الأركان.", "Présidente d'une coopérative féminine d'huile d'argan."),
    _speaker("ess6-sp-university", "Omar Fassi", "Université Mohammed VI Polytechnique",
             "أستاذ باحث في الاقتصاد الاجتماعي.", "Enseignant-chercheur en économie sociale."),
    _speaker("ess6-sp-aecid", "Lucía Martín", "AECID",
             "منسقة برامج التعاون في مجال الاقتصاد الاجتماعي.", "Coordinatrice des programmes de coopération en ESS."),
    _speaker("ess6-sp-chamber", "Rachid Tazi", "Chambre d'artisanat Marrakech-Safi",
             "عضو مكتب غرفة الصناعة التقليدية.", "Membre du bureau de la chambre d'artisanat."),
    _speaker("ess6-sp-youth", "Salma Idrissi", "Réseau des jeunes entrepreneurs solidaires",
             "مؤسسة شبكة للمقاولين الشباب في الاقتصاد التضامني.",
             "Fondatrice d'un réseau de jeunes entrepreneurs solidaires."),
]


def _t(ar: str, fr: str, en: str) -> LocalizedText:
    return LocalizedText(ar=ar, fr=fr, en=en)


def _session(sid: str, kind: str, track: str, room: str, day: str, start: str, end: str,
             title: LocalizedText, abstract: LocalizedText, **extra: Any) -> SessionCreate:
    return SessionCreate.model_validate({
        "id": sid, "kind": kind, "track": track, "room_id": room, "title": title, "abstract": abstract,
        "starts_at": f"{day}T{start}:00", "ends_at": f"{day}T{end}:00", **extra})


SESSIONS = [
    _session("ess6-opening", "plenary", "monitoring-partnership", "ess6-grand-amphi", D1, "09:00", "10:30",
             _t("الجلسة الافتتاحية", "Séance d'ouverture", "Opening session"),
             _t("كلمات افتتاحية وتقديم أهداف المناظرة.", "Allocutions d'ouverture et objectifs des Assises.",
                "Opening addresses and the conference's objectives."),
             speaker_ids=["ess6-sp-ministry"], moderator_ids=["ess6-sp-university"], languages=["ar", "fr"]),
    _session("ess6-review", "panel", "monitoring-partnership", "ess6-grand-amphi", D1, "10:45", "12:15",
             _t("حصيلة توصيات المناظرة الخامسة", "Bilan des recommandations de la 5e édition",
                "Review of the 5th edition's recommendations"),
             _t("أين وصل تنفيذ التوصيات الثماني والعشرين؟", "Où en est la mise en œuvre des 28 recommandations ?",
                "Where does the implementation of the 28 recommendations stand?"),
             speaker_ids=["ess6-sp-ministry", "ess6-sp-odco", "ess6-sp-aecid"], moderator_ids=["ess6-sp-university"],
             languages=["ar", "fr", "en"]),
    _session("ess6-markets", "workshop", "market-access", "ess6-salle-a", D1, "14:00", "16:00",
             _t("الولوج إلى الأسواق والمنصات التجارية", "Accès aux marchés et plateformes commerciales",
                "Market access and commercial platforms"),
             _t("الأسواق المتنقلة والمنصات الرقمية لتسويق منتجات التعاونيات.",
                "Marchés itinérants et plateformes numériques pour vendre les produits coopératifs.",
                "Mobile markets and digital platforms to sell cooperative products."),
             speaker_ids=["ess6-sp-coop"], moderator_ids=["ess6-sp-chamber"], capacity=100),
    _session("ess6-finance", "workshop", "enabling-environment", "ess6-salle-b", D1, "14:00", "16:00",
             _t("تمويل منظمات الاقتصاد الاجتماعي والتضامني", "Financement des organisations de l'ESS",
                "Financing social and solidarity economy organisations"),
             _t("آليات الولوج إلى التمويل والضمانات.", "Mécanismes d'accès au financement et aux garanties.",
                "Mechanisms for access to finance and guarantees."),
             speaker_ids=["ess6-sp-aecid"], moderator_ids=["ess6-sp-odco"], capacity=100),
    _session("ess6-protection", "round_table", "social-protection", "ess6-salle-c", D1, "14:00", "16:00",
             _t("الحماية الاجتماعية للعاملين في الاقتصاد التضامني", "Protection sociale des travailleurs de l'ESS",
                "Social protection of ESS workers"),
             _t("تعميم التغطية الاجتماعية على أعضاء التعاونيات.",
                "Généraliser la couverture sociale aux membres des coopératives.",
                "Extending social coverage to cooperative members."),
             speaker_ids=["ess6-sp-region"], capacity=50),
    _session("ess6-fair", "side_event", "promote-products", "ess6-esplanade", D1, "16:30", "18:30",
             _t("معرض منتجات التعاونيات", "Marché des produits coopératifs", "Cooperative products market"),
             _t("لقاء مع التعاونيات العارضة.", "Rencontre avec les coopératives exposantes.",
                "Meet the exhibiting cooperatives."), languages=["ar", "fr"]),
    _session("ess6-digital", "workshop", "organise-actors", "ess6-salle-a", D2, "09:00", "11:00",
             _t("التحول الرقمي للتعاونيات", "Transformation numérique des coopératives",
                "Digital transformation of cooperatives"),
             _t("برنامج وطني للتحول الرقمي ومواكبة التعاونيات.",
                "Un programme national de transformation numérique et d'accompagnement.",
                "A national programme of digital transformation and support."),
             speaker_ids=["ess6-sp-youth"], moderator_ids=["ess6-sp-university"], capacity=100),
    _session("ess6-hubs", "workshop", "local-initiatives", "ess6-salle-b", D2, "09:00", "11:00",
             _t("الأقطاب الجهوية للاقتصاد الاجتماعي والإنصاف المجالي",
                "Pôles régionaux de l'ESS et équité territoriale", "Regional ESS hubs and territorial equity"),
             _t("شراكة مع الجهات لإحداث أقطاب جهوية.", "Un partenariat avec les régions pour créer des pôles.",
                "A partnership with the regions to create hubs."),
             speaker_ids=["ess6-sp-region"], moderator_ids=["ess6-sp-chamber"], capacity=100),
    _session("ess6-law", "round_table", "enabling-environment", "ess6-salle-c", D2, "09:00", "11:00",
             _t("الإطار القانوني والسجل الوطني", "Cadre juridique et registre national",
                "Legal framework and national register"),
             _t("نحو إطار قانوني حديث وسجل وطني لمنظمات الاقتصاد الاجتماعي.",
                "Vers un cadre juridique moderne et un registre national des organisations.",
                "Towards a modern legal framework and a national register of organisations."),
             speaker_ids=["ess6-sp-odco"], capacity=50),
    _session("ess6-youth", "panel", "local-initiatives", "ess6-grand-amphi", D2, "11:30", "13:00",
             _t("الشباب والنساء في الاقتصاد الاجتماعي والتضامني", "Jeunes et femmes entrepreneurs de l'ESS",
                "Young and women entrepreneurs in the ESS"),
             _t("تجارب ملهمة ومسارات للتشغيل.", "Des parcours inspirants et des pistes pour l'emploi.",
                "Inspiring journeys and paths to employment."),
             speaker_ids=["ess6-sp-youth", "ess6-sp-coop"], moderator_ids=["ess6-sp-region"]),
    _session("ess6-closing", "plenary", "monitoring-partnership", "ess6-grand-amphi", D2, "15:00", "16:30",
             _t("الجلسة الختامية وتلاوة التوصيات", "Séance de clôture et lecture des recommandations",
                "Closing session and reading of the recommendations"),
             _t("عرض خلاصات الورشات والتوصيات العامة.", "Restitution des ateliers et recommandations générales.",
                "Workshop reports and general recommendations."),
             speaker_ids=["ess6-sp-ministry"], moderator_ids=["ess6-sp-university"], languages=["ar", "fr", "en"]),
]


async def load_demo(*, ctx: Agenda) -> None:
    """Create what is missing, then release version 1 if nothing was released yet."""
    if await service.ensure_conference(ctx=ctx, conference=CONFERENCE):
        log.info("conference %s not yet heard from registration: created locally", CONFERENCE_ID)
    for room in ROOMS:
        if await ctx.store.room(str(room.id)) is None:
            await service.create_room(ctx=ctx, conference_id=CONFERENCE_ID, data=room)
    for speaker in SPEAKERS:
        if await ctx.store.speaker(str(speaker.id)) is None:
            await service.create_speaker(ctx=ctx, conference_id=CONFERENCE_ID, data=speaker)
    for session in SESSIONS:
        if await ctx.store.session(str(session.id)) is None:
            await sessions.create_session(ctx=ctx, conference_id=CONFERENCE_ID, data=session)
    if await ctx.store.latest_release(CONFERENCE_ID) is None:
        release = await service.release_schedule(ctx=ctx, conference_id=CONFERENCE_ID, by="demo")
        log.info("released version %d with %d sessions", release.version, release.session_count)


async def main(settings: Settings) -> None:
    indexes = store.indexes()
    outbox_indexes(indexes, settings.outbox_sent_retention_days)
    spec = ServiceSpec(title="agenda demo", description="", routers=[], indexes=indexes, topics=TOPICS)
    platform = Platform(settings, spec)
    ctx = Agenda.of(platform, None)
    try:
        await ctx.store.build_indexes(indexes)
        await load_demo(ctx=ctx)
    finally:
        await platform.client.close()

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    asyncio.run(main(Settings()))
