"""The 产业链 gap list as a 招商 target list: XLSX (openpyxl; text cells as text, numbers as numbers) and CSV
(UTF-8 with BOM). Every text cell goes through app.core.cells.safe_cell. No output values: the list is meant to
travel, and output_value is confidential."""
from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
from openpyxl.styles import Alignment, Font

from app.core.cells import safe_cell

LOCAL = ZoneInfo("Asia/Shanghai")
ZONE_KINDS = {"core": ("一核", "core"), "corridor": ("一线", "corridor"), "cluster": ("组团", "cluster"),
              "park": ("园区", "park")}
GAP_WORDS = {"absent": ("缺失", "absent"), "thin": ("薄弱", "thin")}
STATUS_WORDS = {"present": ("已有", "present"), **GAP_WORDS}

# (header, value of a gap row, number format); "@" = text.
GAP_COLUMNS = (
    ("序号 No.", lambda g, i: i, "0"),
    ("分区 Zone", lambda g, i: g["zone_zh"], "@"),
    ("Zone (English)", lambda g, i: g["zone_en"], "@"),
    ("分区类型 Kind", lambda g, i: " ".join(ZONE_KINDS.get(g["zone_kind"], (g["zone_kind"],) * 2)), "@"),
    ("规划定位 Plan intent", lambda g, i: "规划目标产业 the plan targets this industry here" if g["targets_industry"]
     else f"非规划目标, 已有该链企业 {g['zone_chain_firms']} 家 not a plan target, {g['zone_chain_firms']} chain firms", "@"),
    ("环节阶段 Stage", lambda g, i: f"{g['stage_zh']} {g['stage_en']}", "@"),
    ("环节 Link", lambda g, i: g["link_zh"], "@"),
    ("Link (English)", lambda g, i: g["link_en"], "@"),
    ("缺口 Gap", lambda g, i: " ".join(GAP_WORDS[g["gap"]]), "@"),
    ("分区该环节企业 Firms in the link here", lambda g, i: g["firms"], "0"),
    ("按全区结构期望 Expected from the district mix", lambda g, i: g["expected"], "0.00"),
    ("分区该链企业 Chain firms here", lambda g, i: g["zone_chain_firms"], "0"),
    ("全区该环节企业 Firms in the link, district", lambda g, i: g["district_firms"], "0"),
    ("行业代码 GB/T 4754-2017 classes", lambda g, i: " ".join(g["codes"]), "@"),
    ("规划依据 The plan says", lambda g, i: g["plan_note"] or "", "@"),
    ("区内其他分区该环节龙头 Leading firms of the link elsewhere in the district",
     lambda g, i: "; ".join(_leader_text(ld) for ld in g["district_leaders"]), "@"),
)


def _leader_text(ld: dict) -> str:
    where = "、".join(ld.get("zones_zh") or []) or "不在分区内 outside the zones"
    return f"{ld['name']} ({ld['employees'] or 0} 人, {where})"


def gap_rows(profile: dict) -> list[list]:
    return [[fn(g, i) for _h, fn, _f in GAP_COLUMNS] for i, g in enumerate(profile["gaps"], start=1)]


def gaps_csv(profile: dict) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([h for h, _fn, _f in GAP_COLUMNS])
    for row in gap_rows(profile):
        w.writerow(["" if v is None else safe_cell(v) for v in row])
    return "\ufeff".encode("utf-8") + buf.getvalue().encode("utf-8")


def _put(ws, row: int, values, formats) -> None:
    for col, (value, fmt) in enumerate(zip(values, formats), start=1):
        cell = ws.cell(row=row, column=col, value=safe_cell(value) if isinstance(value, str) else value)
        cell.number_format = fmt


def gaps_xlsx(profile: dict, meta: dict) -> bytes:
    """Three sheets: the target list (one row per gap), every zone's links, and the rule and sources."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "招商目标 targets"
    headers = [h for h, _fn, _f in GAP_COLUMNS]
    formats = [f for _h, _fn, f in GAP_COLUMNS]
    _put(ws, 1, headers, ["@"] * len(headers))
    for r, row in enumerate(gap_rows(profile), start=2):
        _put(ws, r, row, formats)
    _header_style(ws, [6, 16, 26, 12, 30, 20, 16, 30, 12, 12, 14, 12, 12, 20, 60, 60])

    links = wb.create_sheet("各分区环节 links per zone")
    link_headers = ["分区 Zone", "Zone (English)", "分区类型 Kind", "环节阶段 Stage", "环节 Link", "Link (English)",
                    "状态 Status", "企业数 Firms", "从业人员 Employees", "期望 Expected", "龙头企业 Leading firms"]
    link_formats = ["@", "@", "@", "@", "@", "@", "@", "0", "0", "0.00", "@"]
    _put(links, 1, link_headers, ["@"] * len(link_headers))
    r = 2
    for zone in profile["zones"]:
        for link in zone["links"]:
            _put(links, r, [zone["name_zh"], zone["name_en"], " ".join(ZONE_KINDS.get(zone["kind"], ("", ""))),
                            f"{link['stage_zh']} {link['stage_en']}", link["link_zh"], link["link_en"],
                            " ".join(STATUS_WORDS[link["status"]]), link["firms"], link["employees"], link["expected"],
                            "; ".join(f"{ld['name']} ({ld['employees'] or 0} 人)" for ld in link["leaders"])],
                 link_formats)
            r += 1
    _header_style(links, [16, 26, 12, 20, 16, 30, 12, 10, 12, 10, 60])

    about = wb.create_sheet("说明 about")
    now = datetime.now(LOCAL).strftime("%Y-%m-%d %H:%M")
    synthetic = (meta.get("synthetic") or {}).get("note")
    lines = [("产业链 Chain", f"{profile['industry_zh']} {profile['industry_en']}"),
             ("生成时间 Made at (北京时间 Asia/Shanghai)", now),
             ("缺口规则", profile["rule"]["zh"]), ("Gap rule", profile["rule"]["en"]),
             ("全区该链企业 District chain firms", profile["district"]["firms"]),
             *(("来源 Source", s) for s in profile["sources"]),
             ("示例数据 Demo data", synthetic or "无 none")]
    for i, (k, v) in enumerate(lines, start=1):
        _put(about, i, [k, v], ["@", "@" if isinstance(v, str) else "0"])
        about.cell(row=i, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    about.column_dimensions["A"].width = 36
    about.column_dimensions["B"].width = 100
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _header_style(ws, widths) -> None:
    ws.freeze_panes = "A2"
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, w in enumerate(widths):
        ws.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].width = w
