"""Reference lists: the strategy's seven axes, the responsible bodies, the automatic indicators.

Codes are stable identifiers (they appear in the open data); labels are in Arabic,
French and English.
"""

from typing import Any

# The seven axes of the national ESS strategy (DOMAIN.md), used as themes.
AXES: dict[str, dict[str, str]] = {
    "promote_products": {
        "ar": "النهوض بمنتجات وخدمات الاقتصاد الاجتماعي والتضامني",
        "fr": "Promouvoir les produits et services de l'ESS",
        "en": "Promote ESS products and services",
    },
    "market_access": {
        "ar": "تيسير الولوج إلى الأسواق",
        "fr": "Faciliter l'accès aux marchés",
        "en": "Market access",
    },
    "organise_actors": {
        "ar": "تنظيم الفاعلين",
        "fr": "Structurer les acteurs",
        "en": "Organise the actors",
    },
    "enabling_environment": {
        "ar": "توفير بيئة محفزة",
        "fr": "Un environnement favorable",
        "en": "An enabling environment",
    },
    "local_initiatives": {
        "ar": "دعم المبادرات المحلية",
        "fr": "Soutenir les initiatives locales",
        "en": "Local initiatives",
    },
    "social_protection": {
        "ar": "الحماية الاجتماعية للعاملين في الاقتصاد الاجتماعي والتضامني",
        "fr": "Protection sociale des travailleurs de l'ESS",
        "en": "Social protection of ESS workers",
    },
    "monitoring_partnership": {
        "ar": "التتبع والتقييم واليقظة الاستراتيجية والتواصل والشراكة",
        "fr": "Suivi, évaluation, veille stratégique, communication et partenariat",
        "en": "Monitoring, evaluation, strategic watch, communication and partnership",
    },
}

BODIES: dict[str, dict[str, str]] = {
    "ministry_ess": {
        "ar": "وزارة السياحة والصناعة التقليدية والاقتصاد الاجتماعي والتضامني",
        "fr": "Ministère du Tourisme, de l'Artisanat et de l'Économie sociale et solidaire",
        "en": "Ministry of Tourism, Handicrafts and the Social and Solidarity Economy",
    },
    "odco": {
        "ar": "مكتب تنمية التعاون",
        "fr": "Office du Développement de la Coopération (ODCO)",
        "en": "Cooperative Development Office (ODCO)",
    },
    "head_of_government": {"ar": "رئاسة الحكومة", "fr": "Chef du gouvernement", "en": "Head of Government"},
    "general_secretariat_government": {
        "ar": "الأمانة العامة للحكومة", "fr": "Secrétariat général du gouvernement",
        "en": "General Secretariat of the Government",
    },
    "ministry_finance": {
        "ar": "وزارة الاقتصاد والمالية", "fr": "Ministère de l'Économie et des Finances",
        "en": "Ministry of Economy and Finance",
    },
    "ministry_interior": {"ar": "وزارة الداخلية", "fr": "Ministère de l'Intérieur", "en": "Ministry of the Interior"},
    "ministry_employment": {
        "ar": "وزارة الإدماج الاقتصادي والمقاولة الصغرى والتشغيل والكفاءات",
        "fr": "Ministère de l'Inclusion économique, de la Petite entreprise, de l'Emploi et des Compétences",
        "en": "Ministry of Economic Inclusion, Small Business, Employment and Skills",
    },
    "ministry_higher_education": {
        "ar": "وزارة التعليم العالي والبحث العلمي والابتكار",
        "fr": "Ministère de l'Enseignement supérieur, de la Recherche scientifique et de l'Innovation",
        "en": "Ministry of Higher Education, Scientific Research and Innovation",
    },
    "ministry_digital": {
        "ar": "وزارة الانتقال الرقمي وإصلاح الإدارة",
        "fr": "Ministère de la Transition numérique et de la Réforme de l'Administration",
        "en": "Ministry of Digital Transition and Administrative Reform",
    },
    "ministry_industry_trade": {
        "ar": "وزارة الصناعة والتجارة", "fr": "Ministère de l'Industrie et du Commerce",
        "en": "Ministry of Industry and Trade",
    },
    "ministry_agriculture": {
        "ar": "وزارة الفلاحة والصيد البحري والتنمية القروية والمياه والغابات",
        "fr": "Ministère de l'Agriculture, de la Pêche maritime, du Développement rural et des Eaux et Forêts",
        "en": "Ministry of Agriculture, Maritime Fisheries, Rural Development, Water and Forests",
    },
    "ministry_solidarity": {
        "ar": "وزارة التضامن والإدماج الاجتماعي والأسرة",
        "fr": "Ministère de la Solidarité, de l'Insertion sociale et de la Famille",
        "en": "Ministry of Solidarity, Social Inclusion and the Family",
    },
    "hcp": {"ar": "المندوبية السامية للتخطيط", "fr": "Haut-Commissariat au Plan", "en": "High Commission for Planning"},
    "tax_administration": {
        "ar": "المديرية العامة للضرائب", "fr": "Direction générale des impôts", "en": "General Tax Directorate",
    },
    "customs": {
        "ar": "إدارة الجمارك والضرائب غير المباشرة", "fr": "Administration des douanes et impôts indirects",
        "en": "Customs and Indirect Taxes Administration",
    },
    "financial_institutions": {
        "ar": "المؤسسات المالية ومؤسسات التمويل", "fr": "Établissements bancaires et de financement",
        "en": "Banks and financing institutions",
    },
    "indh": {
        "ar": "المبادرة الوطنية للتنمية البشرية", "fr": "Initiative nationale pour le développement humain (INDH)",
        "en": "National Human Development Initiative (INDH)",
    },
    "regions": {"ar": "مجالس الجهات", "fr": "Conseils des régions", "en": "Regional councils"},
    "local_councils": {
        "ar": "المجالس المنتخبة الأخرى (العمالات والأقاليم والجماعات)",
        "fr": "Autres conseils élus (préfectures, provinces, communes)",
        "en": "Other elected councils (prefectures, provinces, municipalities)",
    },
    "chambers": {"ar": "الغرف المهنية", "fr": "Chambres professionnelles", "en": "Professional chambers"},
    "universities": {"ar": "الجامعات", "fr": "Universités", "en": "Universities"},
    "ess_networks": {
        "ar": "شبكات واتحادات منظمات الاقتصاد الاجتماعي والتضامني",
        "fr": "Réseaux et fédérations des organisations de l'ESS",
        "en": "Networks and federations of ESS organisations",
    },
    "private_sector": {"ar": "القطاع الخاص", "fr": "Secteur privé", "en": "Private sector"},
}

# Indicators computed from the other services' messages; ensured at every start so
# the consumers always have somewhere to write, demo data or not.
PARTICIPANTS_BY_REGION = "ind-r21-participants-by-region"
REGIONS_REPRESENTED = "ind-r21-regions-represented"
EXHIBITING_COOPERATIVES = "ind-r17-exhibiting-cooperatives"
MARKET_SALES = "ind-r17-market-sales-mad"

AUTOMATIC_INDICATORS: list[dict[str, Any]] = [
    {
        "id": PARTICIPANTS_BY_REGION, "recommendation_id": "ess5-r21", "unit": "participants",
        "name": {"ar": "المشاركون حسب الجهة (المؤكدون أو الحاضرون)",
                 "fr": "Participants par région (confirmés ou présents)",
                 "en": "Participants per region (confirmed or checked in)"},
        "baseline": None, "target": None, "source": "registration.participants",
    },
    {
        "id": REGIONS_REPRESENTED, "recommendation_id": "ess5-r21", "unit": "regions",
        "name": {"ar": "عدد الجهات الممثلة بين المشاركين",
                 "fr": "Nombre de régions représentées parmi les participants",
                 "en": "Number of regions represented among participants"},
        "baseline": 0, "target": 12, "source": "registration.participants",
    },
    {
        "id": EXHIBITING_COOPERATIVES, "recommendation_id": "ess5-r17", "unit": "cooperatives",
        "name": {"ar": "التعاونيات العارضة في الأسواق (المسجل حضورها)",
                 "fr": "Coopératives exposantes présentes aux marchés",
                 "en": "Cooperatives that checked in to exhibit at markets"},
        "baseline": 0, "target": None, "source": "marketplace.checkins",
    },
    {
        "id": MARKET_SALES, "recommendation_id": "ess5-r17", "unit": "MAD",
        "name": {"ar": "المبيعات المصرح بها في الأسواق (درهم)", "fr": "Ventes déclarées aux marchés (MAD)",
                 "en": "Sales declared at markets (MAD)"},
        "baseline": 0, "target": None, "source": "marketplace.sales",
    },
]
