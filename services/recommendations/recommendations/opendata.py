"""Open data: CSV and JSON snapshots of the register, and their data dictionary.

Identifiers are stable (``ess5-r01``..., codes of axes and bodies); the CSV is UTF-8
with a byte-order mark so spreadsheet software shows Arabic correctly; multi-valued
cells are joined with ``|``.
"""

from datetime import UTC, datetime
from typing import Any

from recommendations.catalogue import AXES, BODIES
from recommendations.domain import RecommendationPublic
from recommendations.indicators import IndicatorPublic
from shared.csvfile import csv_bytes

DATASET = "tadamon-ess-recommendations"
STATUS_LABELS: dict[str, dict[str, str]] = {
    "not_started": {"ar": "لم يشرع في تنفيذها", "fr": "Non démarrée", "en": "Not started"},
    "limited": {"ar": "تقدم محدود (1-49%)", "fr": "Avancement limité (1-49 %)", "en": "Limited progress (1-49%)"},
    "substantial": {"ar": "تقدم كبير (50-99%)", "fr": "Avancement substantiel (50-99 %)",
                    "en": "Substantial progress (50-99%)"},
    "complete": {"ar": "منجزة (بدليل ومصادقة منظم ثان)",
                 "fr": "Achevée (preuve et validation d'un second organisateur)",
                 "en": "Complete (evidence and a second organizer's approval)"},
    "withdrawn": {"ar": "مسحوبة", "fr": "Retirée", "en": "Withdrawn"},
}

# (column, type, ar, fr, en)
CSV_COLUMNS: list[tuple[str, str, str, str, str]] = [
    ("recommendation_id", "string", "معرف ثابت للتوصية", "Identifiant stable de la recommandation",
     "Stable identifier of the recommendation"),
    ("edition", "integer", "دورة المناظرة", "Édition de la conférence nationale", "National conference edition"),
    ("number", "integer", "رقم التوصية في الدورة", "Numéro de la recommandation dans l'édition",
     "Number of the recommendation within the edition"),
    ("conference_id", "string", "معرف المؤتمر", "Identifiant de la conférence", "Conference identifier"),
    ("session_id", "string", "معرف الجلسة التي صدرت عنها", "Séance qui l'a adoptée", "Session that adopted it"),
    ("text_ar", "string", "النص بالعربية كما نشر", "Texte arabe tel que publié", "Arabic text as published"),
    ("text_fr", "string", "النص بالفرنسية", "Texte français", "French text"),
    ("text_en", "string", "النص بالإنجليزية", "Texte anglais", "English text"),
    ("themes", "codes|", "محاور الاستراتيجية (رموز مفصولة بـ |)", "Axes de la stratégie (codes séparés par |)",
     "Strategy axes (codes separated by |)"),
    ("sdgs", "integers|", "أهداف التنمية المستدامة (1-17)", "Objectifs de développement durable (1-17)",
     "Sustainable Development Goals (1-17)"),
    ("lead_body", "code", "الجهة المسؤولة الرئيسية", "Organisme chef de file", "Lead responsible body"),
    ("contributing_bodies", "codes|", "الجهات المساهمة", "Organismes contributeurs", "Contributing bodies"),
    ("target_date", "date", "التاريخ المستهدف", "Date cible", "Target date"),
    ("status", "code", "حالة الإنجاز", "Statut d'avancement", "Progress status"),
    ("progress", "integer", "نسبة التقدم (0-100)", "Avancement en pourcentage (0-100)", "Progress percentage (0-100)"),
    ("overdue", "boolean", "تجاوز التاريخ المستهدف دون إنجاز", "Date cible dépassée sans achèvement",
     "Target date passed without completion"),
    ("completion_pending", "boolean", "اقتراح إنجاز في انتظار المصادقة", "Achèvement proposé en attente de validation",
     "Completion proposed, awaiting approval"),
    ("evidence_count", "integer", "عدد الأدلة المعتمدة", "Nombre de preuves retenues", "Number of accepted evidence"),
    ("milestones_total", "integer", "عدد المراحل", "Nombre de jalons", "Number of milestones"),
    ("milestones_completed", "integer", "المراحل المنجزة", "Jalons achevés", "Milestones completed"),
    ("milestones_overdue", "integer", "المراحل المتأخرة", "Jalons en retard", "Milestones overdue"),
    ("last_change_at", "datetime", "تاريخ آخر تغيير (UTC)", "Date du dernier changement (UTC)",
     "Time of the last change (UTC)"),
    ("version", "integer", "رقم آخر سجل في التاريخ", "Numéro du dernier enregistrement de l'historique",
     "Sequence number of the last history record"),
    ("snapshot_at", "datetime", "لحظة اللقطة (UTC)", "Instant de l'instantané (UTC)", "Moment of the snapshot (UTC)"),
]


def csv_row(item: RecommendationPublic, snapshot_at: datetime) -> list[Any]:
    values: dict[str, Any] = {
        "recommendation_id": item.id, "edition": item.edition, "number": item.number,
        "conference_id": item.conference_id, "session_id": item.session.id if item.session else None,
        "text_ar": item.text.ar, "text_fr": item.text.fr, "text_en": item.text.en,
        "themes": "|".join(item.themes), "sdgs": "|".join(str(s) for s in item.sdgs), "lead_body": item.lead_body,
        "contributing_bodies": "|".join(item.contributing_bodies), "target_date": item.target_date,
        "status": item.status, "progress": item.progress, "overdue": item.overdue,
        "completion_pending": item.pending_completion is not None, "evidence_count": len(item.evidence),
        "milestones_total": len(item.milestones),
        "milestones_completed": sum(1 for m in item.milestones if m.completed_at),
        "milestones_overdue": sum(1 for m in item.milestones if m.overdue),
        "last_change_at": item.updated_at.isoformat(), "version": item.version,
        "snapshot_at": snapshot_at.isoformat(),
    }
    return [values[column] for column, *_ in CSV_COLUMNS]


def to_csv(items: list[RecommendationPublic], snapshot_at: datetime) -> bytes:
    """Text cells that a spreadsheet would run as a formula are written as text (``shared.csvfile``)."""
    return csv_bytes([column for column, *_ in CSV_COLUMNS], (csv_row(item, snapshot_at) for item in items))


def to_json(items: list[RecommendationPublic], indicators: list[IndicatorPublic],
            snapshot_at: datetime, rebuilt: bool) -> dict[str, Any]:
    return {
        "dataset": DATASET, "schema_version": 1, "snapshot_at": snapshot_at.isoformat(),
        "generated_at": datetime.now(UTC).isoformat(), "rebuilt_from_history": rebuilt,
        "dictionary": "/open-data/dictionary",
        "recommendations": [item.model_dump(mode="json") for item in items],
        "indicators": [indicator.model_dump(mode="json") for indicator in indicators],
    }


def dictionary() -> dict[str, Any]:
    return {
        "dataset": DATASET, "schema_version": 1,
        "files": {
            "/open-data/recommendations.csv": {
                "encoding": "UTF-8 with BOM", "separator": ",", "multi_value_separator": "|",
                "columns": [{"name": c, "type": t, "description": {"ar": ar, "fr": fr, "en": en}}
                            for c, t, ar, fr, en in CSV_COLUMNS],
            },
            "/open-data/recommendations.json": {
                "encoding": "UTF-8", "content": "recommendations (as in /recommendations) and indicators",
            },
        },
        "parameters": {"date": "YYYY-MM-DD (end of that day, UTC) or an ISO 8601 date-time: rebuilt from history"},
        "codes": {"status": STATUS_LABELS, "themes": AXES, "bodies": BODIES,
                  "sdgs": "United Nations Sustainable Development Goals, numbered 1 to 17"},
        "privacy": "No personal data: the actors of changes appear as a role and a per-recommendation label.",
    }
