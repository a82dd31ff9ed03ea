"""Reading a table an organizer uploads: CSV (comma or semicolon, UTF-8 with or without its
byte-order mark) or XLSX, as rows of column -> text.

Headers are trimmed and lower-cased; blank rows are dropped. Row numbers a reader reports
count the header as row 1, as a spreadsheet shows them. What cannot be read is the
caller's fault (422), whatever the parser raised.
"""

import csv
import io
from typing import Any

from openpyxl import load_workbook

from shared.errors import DomainError
from shared.i18n import register_messages

FIRST_ROW = 2


def _cells(content: bytes, filename: str) -> list[list[str]]:
    if filename.lower().endswith(".xlsx"):
        sheet: Any = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    text = content.decode("utf-8-sig")
    dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;")
    return list(csv.reader(io.StringIO(text), dialect))


def read_table(filename: str, content: bytes, *, max_rows: int) -> list[dict[str, str]]:
    """The file's rows (header excluded), each as column -> trimmed text."""
    try:
        table = _cells(content, filename)
    except Exception as exc:  # noqa: BLE001 - any parser failure means the file is not a table we read
        raise DomainError("table_unreadable", status=422) from exc
    if not table or not any(h.strip() for h in table[0]):
        raise DomainError("table_unreadable", status=422)
    header = [h.strip().lower() for h in table[0]]
    rows = [dict(zip(header, (c.strip() for c in row), strict=False))
            for row in table[1:] if any(c.strip() for c in row)]
    if len(rows) > max_rows:
        raise DomainError("table_too_many_rows", status=422, max=max_rows)
    if not rows:
        raise DomainError("table_empty", status=422)
    return rows


register_messages({
    "table_unreadable": {
        "ar": "تعذرت قراءة الملف: أرسلوا ملف CSV (بفاصلة أو فاصلة منقوطة) أو XLSX بسطر للعناوين.",
        "fr": "Fichier illisible : envoyez un CSV (virgule ou point-virgule) ou un XLSX avec une ligne d'en-têtes.",
        "en": "The file cannot be read: send a CSV (comma or semicolon) or an XLSX file with a header row.",
    },
    "table_too_many_rows": {
        "ar": "الملف طويل جدا: {max} سطر على الأكثر.",
        "fr": "Fichier trop long : {max} lignes au plus.",
        "en": "The file is too long: {max} rows at most.",
    },
    "table_empty": {
        "ar": "الملف لا يحتوي على أي سطر بعد سطر العناوين.",
        "fr": "Le fichier ne contient aucune ligne après les en-têtes.",
        "en": "The file has no row after its header.",
    },
})
