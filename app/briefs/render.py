"""Briefs as HTML pages and PDF files, and comparisons as XLSX.

PDF: WeasyPrint renders the same HTML in process (no browser to start or keep alive on a server);
it needs Pango (Debian libpango-1.0-0, libpangoft2-1.0-0) and CJK fonts (fonts-noto-cjk), which
scripts/setup.sh installs. The maps are inline SVG drawn from the geometries, so nothing is fetched.
"""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from weasyprint import HTML

from app.core.cells import safe_cell
from app.core.http import templates


def brief_html(brief: dict, pdf: bool = False, links: dict | None = None) -> str:
    return templates.env.get_template("brief.html").render(b=brief, pdf=pdf, links=links)


def brief_pdf(brief: dict) -> bytes:
    return HTML(string=brief_html(brief, pdf=True)).write_pdf()


def compare_xlsx(table: dict, title: str) -> bytes:
    """One sheet: a row per fact, a column per site, a bold band per section."""
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append([safe_cell("")] + [safe_cell(n) for n in table["sites"]])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    band = PatternFill("solid", fgColor="DCE6F1")
    for sec in table["sections"]:
        ws.append([safe_cell(sec["title"])])
        row = ws.max_row
        for col in range(1, len(table["sites"]) + 2):
            ws.cell(row, col).fill = band
        ws.cell(row, 1).font = Font(bold=True)
        for r in sec["rows"]:
            ws.append([safe_cell(r["label"])] + [safe_cell(v) for v in r["values"]])
    ws.column_dimensions["A"].width = 30
    for col in range(2, len(table["sites"]) + 2):
        ws.column_dimensions[get_column_letter(col)].width = 42
    for row in ws.iter_rows(min_row=1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "B2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
