"""Morocco's twelve regions: the codes every service uses in its data and messages."""

from typing import Literal

RegionCode = Literal[
    "tanger-tetouan-al-hoceima", "oriental", "fes-meknes", "rabat-sale-kenitra", "beni-mellal-khenifra",
    "casablanca-settat", "marrakech-safi", "draa-tafilalet", "souss-massa", "guelmim-oued-noun",
    "laayoune-sakia-el-hamra", "dakhla-oued-ed-dahab",
]

# Official names, Arabic and French (English uses the French form).
REGIONS: dict[str, dict[str, str]] = {
    "tanger-tetouan-al-hoceima": {"ar": "جهة طنجة تطوان الحسيمة", "fr": "Tanger-Tétouan-Al Hoceïma"},
    "oriental": {"ar": "جهة الشرق", "fr": "L'Oriental"},
    "fes-meknes": {"ar": "جهة فاس مكناس", "fr": "Fès-Meknès"},
    "rabat-sale-kenitra": {"ar": "جهة الرباط سلا القنيطرة", "fr": "Rabat-Salé-Kénitra"},
    "beni-mellal-khenifra": {"ar": "جهة بني ملال خنيفرة", "fr": "Béni Mellal-Khénifra"},
    "casablanca-settat": {"ar": "جهة الدار البيضاء سطات", "fr": "Casablanca-Settat"},
    "marrakech-safi": {"ar": "جهة مراكش آسفي", "fr": "Marrakech-Safi"},
    "draa-tafilalet": {"ar": "جهة درعة تافيلالت", "fr": "Drâa-Tafilalet"},
    "souss-massa": {"ar": "جهة سوس ماسة", "fr": "Souss-Massa"},
    "guelmim-oued-noun": {"ar": "جهة كلميم واد نون", "fr": "Guelmim-Oued Noun"},
    "laayoune-sakia-el-hamra": {"ar": "جهة العيون الساقية الحمراء", "fr": "Laâyoune-Sakia El Hamra"},
    "dakhla-oued-ed-dahab": {"ar": "جهة الداخلة وادي الذهب", "fr": "Dakhla-Oued Ed-Dahab"},
}
ABROAD = "abroad"


def region_name(code: str, lang: str) -> str:
    if code == ABROAD:
        return {"ar": "خارج المغرب", "fr": "Étranger", "en": "Abroad"}.get(lang, "Étranger")
    names = REGIONS.get(code)
    if names is None:
        return code
    return names["ar"] if lang == "ar" else names["fr"]
