"""Demo data: the spring 2027 circuit of mobile markets (Rabat, Casablanca, Agadir, Oujda),
the Souss-Massa regional fair in Agadir, and thirty cooperatives that applied.

``python -m marketplace.demo`` (same environment as the service) loads it through
the use cases; every item has a fixed id, so a second run changes nothing. Messages
wait in the outbox until the running service's relay publishes them.
"""

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

from marketplace.applications import submit_application
from marketplace.context import Marketplace, open_marketplace
from marketplace.domain import ApplicationCreate, CooperativeCreate, MarketCreate
from marketplace.events import TOPICS
from marketplace.service import create_cooperative, create_market
from marketplace.settings import Settings
from marketplace.stands import allocate_market
from marketplace.store import indexes
from shared.auth import Principal
from shared.platform import Platform, ServiceSpec
from shared.signing import load_signer

CIRCUIT = "circuit-printemps-2027"
OPENS = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
CLOSES = datetime(2027, 3, 15, 23, 0, tzinfo=UTC)
ORGANIZER = Principal(sub="demo-loader", scopes=["admin"])

# (id suffix, Arabic name, French name, region, province, sector, women-led, youth-led, register number)
COOPERATIVES: list[tuple[str, str, str, str, str, str, bool, bool, str]] = [
    ("01", "تعاونية تافيوت لأركان", "Coopérative Tafyoute d'argan", "souss-massa", "Agadir Ida-Outanane",
     "argan_oils", True, False, "AGA-1204"),
    ("02", "تعاونية أمل تمنار", "Coopérative Amal Tamanar", "marrakech-safi", "Essaouira", "argan_oils", True,
     False, "ESS-877"),
    ("03", "تعاونية إيمولاس للعسل", "Coopérative Imoulass du miel", "souss-massa", "Taroudant", "honey", False,
     False, "TAR-2301"),
    ("04", "تعاونية نحالي سوس", "Coopérative Nahhali Souss", "souss-massa", "Chtouka-Aït Baha", "honey", False,
     True, "AGA-3310"),
    ("05", "تعاونية واحة تافيلالت للتمور", "Coopérative Oasis Tafilalet des dattes", "draa-tafilalet",
     "Errachidia", "dates", False, False, "ERR-455"),
    ("06", "تعاونية المجهول أرفود", "Coopérative Majhoul Erfoud", "draa-tafilalet", "Errachidia", "dates", False,
     True, "ERR-612"),
    ("07", "تعاونية الكسكس البلدي", "Coopérative Couscous Beldi", "casablanca-settat", "Settat",
     "couscous_cereals", True, False, "SET-1789"),
    ("08", "تعاونية سنابل دكالة", "Coopérative Sanabil Doukkala", "casablanca-settat", "El Jadida",
     "couscous_cereals", True, True, "ELJ-930"),
    ("09", "تعاونية زربية تازناخت", "Coopérative Tapis de Taznakht", "souss-massa", "Taroudant",
     "textiles_carpets", True, False, "TAR-1150"),
    ("10", "تعاونية نسيج الأطلس", "Coopérative Tissage de l'Atlas", "beni-mellal-khenifra", "Khénifra",
     "textiles_carpets", True, False, "KHE-402"),
    ("11", "تعاونية فخار آسفي", "Coopérative Poterie de Safi", "marrakech-safi", "Safi", "crafts", False, False,
     "SAF-2088"),
    ("12", "تعاونية الصناعة التقليدية فاس", "Coopérative Artisanat de Fès", "fes-meknes", "Fès", "crafts", False,
     True, "FES-5120"),
    ("13", "تعاونية زيت الزيتون تاونات", "Coopérative Huile d'olive de Taounate", "fes-meknes", "Taounate",
     "agrifood", False, False, "TAO-310"),
    ("14", "تعاونية الشرق للعسل", "Coopérative Miel de l'Oriental", "oriental", "Jerada", "honey", True, False,
     "OUJ-982"),
    ("15", "تعاونية بني يزناسن", "Coopérative Beni Snassen", "oriental", "Berkane", "agrifood", False, False,
     "BER-761"),
    ("16", "تعاونية الحلفاء فكيك", "Coopérative Alfa de Figuig", "oriental", "Figuig", "crafts", True, True,
     "FIG-58"),
    ("17", "تعاونية ورود قلعة مكونة", "Coopérative Roses de Kelâa M'Gouna", "draa-tafilalet", "Tinghir",
     "cosmetics", True, False, "TIN-233"),
    ("18", "تعاونية الصبار آيت باعمران", "Coopérative Figue de Barbarie Aït Baâmrane", "guelmim-oued-noun",
     "Sidi Ifni", "cosmetics", True, True, "IFN-147"),
    ("19", "تعاونية الزعفران تالوين", "Coopérative Safran de Taliouine", "souss-massa", "Taroudant", "agrifood",
     False, False, "TAR-806"),
    ("20", "تعاونية الصيد التقليدي الداخلة", "Coopérative Pêche artisanale de Dakhla", "dakhla-oued-ed-dahab",
     "Oued Ed-Dahab", "agrifood", False, True, "DAK-39"),
    ("21", "تعاونية الجلد الرباط", "Coopérative Cuir de Rabat", "rabat-sale-kenitra", "Rabat", "crafts", False,
     False, "RAB-4410"),
    ("22", "تعاونية نساء سلا للطرز", "Coopérative Broderie des femmes de Salé", "rabat-sale-kenitra", "Salé",
     "textiles_carpets", True, False, "SAL-2675"),
    ("23", "تعاونية أركان إداوتنان", "Coopérative Argan Ida-Outanane", "souss-massa", "Agadir Ida-Outanane",
     "argan_oils", True, True, "AGA-5071"),
    ("24", "تعاونية الأعشاب الطبية الأطلس", "Coopérative Plantes médicinales de l'Atlas", "beni-mellal-khenifra",
     "Azilal", "cosmetics", False, False, "AZI-620"),
    ("25", "تعاونية الحبوب زعير", "Coopérative Céréales de Zaër", "rabat-sale-kenitra", "Khémisset",
     "couscous_cereals", False, False, "KHM-1320"),
    ("26", "تعاونية عسل الدغموس", "Coopérative Miel d'euphorbe", "guelmim-oued-noun", "Guelmim", "honey", False,
     True, "GUE-214"),
    ("27", "تعاونية تمور زاكورة", "Coopérative Dattes de Zagora", "draa-tafilalet", "Zagora", "dates", True,
     False, "ZAG-388"),
    ("28", "تعاونية الخزف تامكروت", "Coopérative Céramique de Tamegroute", "draa-tafilalet", "Zagora", "crafts",
     False, False, "ZAG-95"),
    ("29", "تعاونية المنتوجات المجالية العيون", "Coopérative Produits du terroir de Laâyoune",
     "laayoune-sakia-el-hamra", "Laâyoune", "agrifood", True, False, "LAA-501"),
    ("30", "تعاونية الأمازيغية للنسيج", "Coopérative Amazigh de tissage", "tanger-tetouan-al-hoceima",
     "Al Hoceïma", "textiles_carpets", True, True, "HOC-76"),
]

PRODUCTS: dict[str, tuple[str, str, float]] = {
    "argan_oils": ("زيت أركان", "Huile d'argan (250 ml)", 180.0),
    "honey": ("عسل حر", "Miel pur (500 g)", 150.0),
    "dates": ("تمر المجهول", "Dattes Majhoul (1 kg)", 120.0),
    "couscous_cereals": ("كسكس بلدي", "Couscous beldi (1 kg)", 45.0),
    "textiles_carpets": ("زربية منسوجة يدويا", "Tapis tissé main", 2400.0),
    "crafts": ("قطعة صناعة تقليدية", "Pièce d'artisanat", 350.0),
    "cosmetics": ("ماء الورد", "Eau de rose (200 ml)", 60.0),
    "agrifood": ("منتوج مجالي", "Produit du terroir", 80.0),
}

# (id, kind, French name, Arabic name, city, region, venue, first day, days, stands, rules)
MARKETS: list[tuple[str, str, str, str, str, str, str, date, int, int, dict[str, Any]]] = [
    ("demo-mkt-rabat", "mobile_market", "Marché mobile de Rabat", "السوق المتنقل بالرباط", "Rabat",
     "rabat-sale-kenitra", "Esplanade Bab El Had", date(2027, 4, 8), 4, 12,
     {"reserved_share": 0.3, "sector_quotas": {"argan_oils": 3}}),
    ("demo-mkt-casablanca", "mobile_market", "Marché mobile de Casablanca", "السوق المتنقل بالدار البيضاء",
     "Casablanca", "casablanca-settat", "Parc de la Ligue arabe", date(2027, 4, 22), 4, 12,
     {"reserved_share": 0.3, "region_quotas": {"souss-massa": 3}}),
    ("demo-mkt-agadir", "mobile_market", "Marché mobile d'Agadir", "السوق المتنقل بأكادير", "Agadir",
     "souss-massa", "Place Al Amal", date(2027, 5, 6), 3, 10, {"reserved_share": 0.3}),
    ("demo-mkt-oujda", "mobile_market", "Marché mobile d'Oujda", "السوق المتنقل بوجدة", "Oujda", "oriental",
     "Place du 16 Août", date(2027, 5, 20), 3, 10, {"reserved_share": 0.3, "region_quotas": {"oriental": 4}}),
    ("demo-fair-souss-massa", "regional_fair", "Foire régionale de l'économie sociale et solidaire Souss-Massa",
     "المعرض الجهوي للاقتصاد الاجتماعي والتضامني سوس ماسة", "Agadir", "souss-massa",
     "Parc des expositions d'Agadir", date(2027, 6, 3), 5, 20,
     {"reserved_share": 0.4, "region_quotas": {"souss-massa": 10}, "sector_quotas": {"argan_oils": 4}}),
]


def cooperative_id(suffix: str) -> str:
    return f"demo-coop-{suffix}"


async def _cooperatives(ctx: Marketplace) -> None:
    for n, (suffix, ar, fr, region, province, sector, women, youth, number) in enumerate(COOPERATIVES):
        if await ctx.store.cooperative(cooperative_id(suffix)):
            continue
        product_ar, product_fr, price = PRODUCTS[sector]
        data = CooperativeCreate.model_validate({
            "name": {"ar": ar, "fr": fr}, "register_number": number, "region": region, "province": province,
            "sector": sector, "members": 7 + (n * 5) % 40, "women_led": women, "youth_led": youth,
            "contact": {"phone": f"06{61000000 + n * 1379:08d}"},
            "last_exhibited_on": None if n % 3 == 0 else (date(2026, 10, 1) - timedelta(days=40 * n)).isoformat(),
            "products": [{"name": {"ar": product_ar, "fr": product_fr}, "category": sector, "unit_price_mad": price}],
        })
        await create_cooperative(ctx=ctx, data=data, cooperative_id=cooperative_id(suffix),
                                 products_ids=[f"demo-prd-{suffix}"])


async def _markets(ctx: Marketplace) -> None:
    for market_id, kind, fr, ar, city, region, venue, first, days, stands, rules in MARKETS:
        if await ctx.store.market(market_id):
            continue
        data = MarketCreate.model_validate({
            "kind": kind, "name": {"ar": ar, "fr": fr}, "city": city, "region": region, "venue": venue,
            "days": [(first + timedelta(days=i)).isoformat() for i in range(days)],
            "application_opens_at": OPENS.isoformat(), "application_closes_at": CLOSES.isoformat(),
            "circuit": CIRCUIT if kind == "mobile_market" else None, "rules": rules,
            "stands": [{"number": i, "zone": "A" if i <= stands // 2 else "B", "size": "3x3" if i % 4 else "3x6"}
                       for i in range(1, stands + 1)],
        })
        await create_market(ctx=ctx, data=data, market_id=market_id)


async def _applications(ctx: Marketplace) -> None:
    circuit = [m[0] for m in MARKETS if m[1] == "mobile_market"]
    for n, row in enumerate(COOPERATIVES):
        coop = cooperative_id(row[0])
        # Every cooperative applies to two or three markets of the circuit, and the
        # Souss-Massa ones (and a few others) to the fair as well.
        wanted = [circuit[n % 4], circuit[(n + 1) % 4]] + ([circuit[(n + 2) % 4]] if n % 2 else [])
        if row[3] == "souss-massa" or n % 3 == 0:
            wanted.append("demo-fair-souss-massa")
        ids = [f"demo-app-{row[0]}-{m.removeprefix('demo-')}" for m in wanted]
        if await ctx.store.application(ids[0]):
            continue
        await submit_application(ctx=ctx, principal=ORGANIZER, ids=ids, now=OPENS + timedelta(hours=n),
                                 data=ApplicationCreate(market_ids=wanted, cooperative_id=coop))


async def load_demo(ctx: Marketplace) -> None:
    await _cooperatives(ctx)
    await _markets(ctx)
    await _applications(ctx)
    for market in MARKETS:
        # Allocate once: a later run finds no submitted application and leaves decisions alone.
        if await ctx.store.has_submitted(market[0]):
            await allocate_market(ctx=ctx, market_id=market[0])


async def main(settings: Settings) -> None:
    platform = Platform(settings, ServiceSpec(title="marketplace demo", description="", routers=[],
                                              indexes=indexes(), topics=TOPICS))
    try:
        signer = load_signer(key_file=settings.signing_key_file,
                             previous_key_files=settings.signing_previous_key_files, production=settings.production)
        ctx = open_marketplace(platform, signer)
        await ctx.store.ensure_indexes()
        await load_demo(ctx)
    finally:
        await platform.client.close()


if __name__ == "__main__":
    asyncio.run(main(Settings()))
