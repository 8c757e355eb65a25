"""How a stored value reads to a person: names instead of ids, words instead of codes and booleans,
rounded numbers, local time. One place for the map's popups and the HTML item pages."""
from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from layers.registry import FIELD_TITLES_EN, VALUE_WORDS
from plan.industries import PLAN_INDUSTRY_BY_ID

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Fields holding ids of other things, and the name lookup each uses.
ID_FIELDS = {"member_towns": "towns", "parent_zone": "zones", "primary_zone": "zones", "zones": "zones", "town": "towns"}
INDUSTRY_FIELDS = {"target_industries", "plan_industry"}
Names = dict[str, dict[str, tuple[str, str]]]  # {"towns"|"zones": {id: (name_zh, name_en)}}


def word(field_name: str, value, names: Names) -> tuple[str, str]:
    """One value as (Chinese, English) words."""
    if isinstance(value, bool):
        return ("是", "yes") if value else ("否", "no")
    if field_name in INDUSTRY_FIELDS and value in PLAN_INDUSTRY_BY_ID:
        p = PLAN_INDUSTRY_BY_ID[value]
        return p.zh, p.en
    if field_name in ID_FIELDS and str(value) in names.get(ID_FIELDS[field_name], {}):
        zh, en = names[ID_FIELDS[field_name]][str(value)]
        return zh or en, en or zh
    if (field_name, value) in VALUE_WORDS:
        return VALUE_WORDS[(field_name, value)]
    if isinstance(value, float):
        text = f"{value:,.2f}".rstrip("0").rstrip(".") if abs(value) < 100 else f"{value:,.0f}"
        return text, text
    return str(value), str(value)


def local_minute(value: str) -> str | None:
    """An ISO timestamp as Asia/Shanghai time to the minute, or None when it is not one."""
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return None


def words(field, value, names: Names) -> tuple[str, str]:
    """A field's value (one or a list) as (Chinese, English) text."""
    if field.type == "datetime" and isinstance(value, str):
        local = local_minute(value)
        return (f"{local} 北京时间", f"{local} China Standard Time") if local else (value, value)
    values = value if isinstance(value, list) else [value]
    pairs = [word(field.name, v, names) for v in values]
    return "、".join(p[0] for p in pairs), ", ".join(p[1] for p in pairs)


def field_title_html(field) -> str:
    """A field's title in Chinese with its English title beside it (never its column name)."""
    en = FIELD_TITLES_EN.get(field.name)
    zh = html.escape(field.title)
    return f'{zh} <span class="muted">{html.escape(en)}</span>' if en and en != field.title else zh


def value_text_html(field, value, names: Names) -> str:
    """A value for an HTML table: Chinese words, the English beside them when they differ; '' for nothing."""
    if value is None or value == []:
        return ""
    zh, en = words(field, value, names)
    return html.escape(zh) + (f' <span class="muted">{html.escape(en)}</span>' if en != zh else "")
