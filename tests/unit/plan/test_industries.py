"""Unit tests for plan.industries: plan industries, target phrases and GB/T 4754-2017 codes."""

import re
from pathlib import Path

import pytest

from plan import industries as ind

FACTS = Path("/work/shared/plan/LAYOUT-FACTS.md")
_SPLIT = re.compile(r"[,，、;；()（）]")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _phrases(text):
    out = []
    for token in _SPLIT.split(text):
        token = token.strip().strip(".。").strip()
        if token and (_CJK.search(token) or re.fullmatch(r"[0-9A-Z]+", token)):
            out.append(token)
    return out


def _section(lines, heading):
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("#")), len(lines))
    return lines[start + 1:end]


def _target_line(section):
    for i, line in enumerate(section):
        if line.startswith("- Target industries:"):
            text = line.split(":", 1)[1]
            for cont in section[i + 1:]:
                if cont.startswith("  ") and not cont.lstrip().startswith("- "):
                    text += " " + cont.strip()
                else:
                    break
            return text
    raise AssertionError("no Target industries line")


def layout_target_phrases():
    lines = FACTS.read_text(encoding="utf-8").splitlines()
    core = _phrases(_target_line(_section(lines, "### 一核")))
    corridor = _phrases(_target_line(_section(lines, "### 一线")))
    clusters = []
    for line in _section(lines, "### 多组团"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0].isdigit():
            clusters.append((cells[1], _phrases(cells[-1])))
    return core, corridor, clusters


@pytest.mark.skipif(not FACTS.exists(), reason="LAYOUT-FACTS.md not present")
def test_every_layout_target_phrase_resolves():
    core, corridor, clusters = layout_target_phrases()
    assert len(clusters) == 5
    assert {"5G", "物联网", "新一代信息技术", "新材料"} <= set(core)
    assert {"北斗导航", "高分遥感", "智能制造"} <= set(corridor)
    cluster_phrases = [p for _name, ps in clusters for p in ps]
    assert {"数字商贸业", "无人机配送", "生命健康设备", "进口商品展示/交易/仓储", "回收再利用"} \
        <= set(cluster_phrases)
    for phrase in core + corridor + cluster_phrases:
        ids = ind.resolve_targets([phrase])
        assert ids and all(i in ind.PLAN_INDUSTRY_BY_ID for i in ids), phrase
    for name, phrases in clusters:
        assert ind.resolve_targets(phrases), name


def test_resolve_targets_examples_and_unknown():
    assert ind.resolve_targets(["集成电路", "人工智能", "集成电路"]) == ["ic", "ai"]
    assert ind.resolve_targets("节能环保") == ["eco"]
    assert ind.resolve_targets(["汽车零部件"]) == ["equip"]
    assert ind.resolve_targets(["高端医疗器械"]) == ["biomed"]
    assert ind.resolve_targets(["新一代信息技术"]) == ["it"]
    assert ind.resolve_targets(["ic"]) == ["ic"]
    with pytest.raises(KeyError, match="量子计算机"):
        ind.resolve_targets(["集成电路", "量子计算机"])


def test_plan_industries_structure():
    ids = [p.id for p in ind.PLAN_INDUSTRIES]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9_]+", i) for i in ids)
    assert {p.group for p in ind.PLAN_INDUSTRIES} == {"leading", "key", "pioneer", "platform"}
    for p in ind.PLAN_INDUSTRIES:
        assert p.parent is None or p.parent in ind.PLAN_INDUSTRY_BY_ID
    assert set(ind.children_of("it")) == {"ic", "ai", "software", "iot"}
    assert set(ind.children_of("beidou_rs")) == {"beidou", "rs"}
    assert len([p for p in ind.PLAN_INDUSTRIES if p.group == "pioneer"]) == 5
    assert {"expo", "logistics", "trade", "iiot", "agri"} == {
        p.id for p in ind.PLAN_INDUSTRIES if p.group == "platform"}
    for targets in ind.TARGET_ALIASES.values():
        assert targets and all(t in ind.PLAN_INDUSTRY_BY_ID for t in targets)


def test_divisions_table():
    assert len(ind.DIVISIONS) == 97
    assert set(ind.DIVISIONS) == {f"{i:02d}" for i in range(1, 98)}
    assert ind.DIVISIONS["39"] == "计算机、通信和其他电子设备制造业"
    assert ind.DIVISIONS["27"] == "医药制造业"
    covered = sorted(d for _n, a, b in ind.SECTIONS.values() for d in range(a, b + 1))
    assert covered == list(range(1, 98)) and len(ind.SECTIONS) == 20


@pytest.mark.parametrize("code, expected", [
    ("C3973", "ic"), ("3972", "ic"), ("397", "ic"), ("6520", "ic"), ("3562", "ic"),
    ("6511", "software"), ("6513", "software"), ("64", "software"), ("6550", "software"),
    ("6531", "software"), ("6560", "software"), ("6532", "iot"), ("3983", "iot"),
    ("3964", "ai"), ("3921", "it"), ("4023", "beidou"), ("7449", "beidou"),
    ("7441", "rs"), ("6571", "rs"),
    ("2710", "biomed"), ("27", "biomed"), ("3581", "biomed"), ("7340", "biomed"),
    ("2651", "newmat"), ("3985", "newmat"),
    ("3741", "aviation"), ("374", "aviation"), ("5621", "aviation"),
    ("3612", "nev"), ("3611", None), ("3670", "equip"), ("3491", "equip"), ("3511", "equip"),
    ("3825", "newenergy"), ("3841", "newenergy"), ("4416", "newenergy"), ("4415", "newenergy"),
    ("4411", None), ("7721", "eco"), ("4620", "eco"), ("4210", "eco"), ("42", "eco"),
    ("5430", "logistics"), ("5410", None), ("5810", "logistics"), ("5920", "logistics"),
    ("6020", "logistics"), ("5292", "trade"), ("5110", "trade"), ("7284", "expo"),
    ("6431", "iiot"), ("0511", "agri"), ("05", "agri"), ("0110", None), ("7010", None),
])
def test_plan_industry_for(code, expected):
    assert ind.plan_industry_for(code) == expected


@pytest.mark.parametrize("raw, canonical", [
    ("C3974", "3974"), ("3974", "3974"), (" 3974 ", "3974"), (3974, "3974"), ("c 3974", "3974"),
    ("３９７４", "3974"), ("0511", "0511"), ("A0511", "0511"), (5, "05"), ("65", "65"), ("I652", "652"),
])
def test_normalize_industry_code(raw, canonical):
    assert ind.normalize_industry_code(raw) == canonical


@pytest.mark.parametrize("bad, reason", [
    ("", "empty"), ("   ", "empty"), ("3", "2 to 4 digits"), ("39741", "2 to 4 digits"),
    ("C39X4", "digits"), ("Z3974", "section letter"), ("A3974", "does not match"),
    (-12, "negative"), (39.74, "string or an integer"), (None, "string or an integer"),
    (True, "string or an integer"), ("CC3974", "digits"),
])
def test_malformed_codes_raise(bad, reason):
    with pytest.raises(ValueError, match=reason):
        ind.normalize_industry_code(bad)
    assert ind.is_known_code(bad) is False


def test_is_known_code():
    assert ind.is_known_code("C3973")
    assert ind.is_known_code("97")
    assert not ind.is_known_code("9901")
    assert not ind.is_known_code("00")
    assert not ind.is_known_code("98")
    assert ind.plan_industry_for("9901") is None
    with pytest.raises(ValueError):
        ind.plan_industry_for("abc")


def test_section_of():
    assert ind.section_of("3973") == "C"
    assert ind.section_of("0511") == "A"
    assert ind.section_of("6520") == "I"
    assert ind.section_of("97") == "T"
    assert ind.section_of("99") is None


def test_mapping_prefixes_are_well_formed():
    for prefix, target in ind.MAPPING.items():
        assert prefix.isdigit() and 2 <= len(prefix) <= 4, prefix
        assert prefix[:2] in ind.DIVISIONS, prefix
        assert target in ind.PLAN_INDUSTRY_BY_ID, (prefix, target)
