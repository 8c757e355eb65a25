"""The land-use and industry-chain tables of plan/ agree with the industry system and the site vocabulary."""
import importlib
import re
from pathlib import Path

import pytest

from plan.chains import CHAINS, STAGE_IDS, STAGES, ChainLink, link_of
from plan.chains import SOURCES as CHAIN_SOURCES
from plan.land_use import ALLOWED_LAND_USES, MANUFACTURING, PARENT, allowed_land_uses
from plan.land_use import SOURCES as LAND_SOURCES


def _import_either(name: str):
    """plan.<name>, or layers.<name> where the module has not moved yet."""
    try:
        return importlib.import_module(f"plan.{name}")
    except ImportError:
        return importlib.import_module(f"layers.{name}")


industries = _import_either("industries")
site_rules = _import_either("site_rules")

PLAN_TEXT = Path("/work/shared/plan/qingpu-14th-five-year-plan-strategic-industries.txt")
INDUSTRIAL = {"M1", "M2"}


def test_every_plan_industry_has_land_uses_and_nothing_else_does():
    ids = {p.id for p in industries.PLAN_INDUSTRIES}
    assert set(ALLOWED_LAND_USES) == ids
    for pid in ids:
        assert allowed_land_uses(pid), pid


def test_land_use_codes_exist_in_the_site_vocabulary_and_repeat_none():
    for pid, uses in ALLOWED_LAND_USES.items():
        assert set(uses) <= set(site_rules.LAND_USES), (pid, uses)
        assert len(set(uses)) == len(uses), pid


def test_parents_mirror_the_industry_system():
    assert PARENT == {p.id: p.parent for p in industries.PLAN_INDUSTRIES if p.parent}
    assert MANUFACTURING <= set(ALLOWED_LAND_USES)


def test_fallback_to_the_umbrella_and_unknown_gives_nothing(monkeypatch):
    monkeypatch.delitem(ALLOWED_LAND_USES, "ic")
    assert allowed_land_uses("ic") == ALLOWED_LAND_USES["it"]
    assert allowed_land_uses("no-such-industry") == ()
    assert allowed_land_uses("") == ()


def test_manufacturing_gets_industrial_land_and_never_only_warehousing_or_commerce():
    for pid in MANUFACTURING:
        uses = set(allowed_land_uses(pid))
        assert uses & INDUSTRIAL, pid
        assert not uses <= {"W", "B"}, pid
        assert "W" not in uses, pid
    for pid in ("ic", "equip", "beidou", "biomed", "newmat", "aviation", "nev", "newenergy", "eco", "nextchip"):
        assert pid in MANUFACTURING


def test_platform_industries_follow_the_rules_of_thumb():
    assert allowed_land_uses("logistics") == ("W",)
    assert "B" in allowed_land_uses("expo") and "B" in allowed_land_uses("trade")
    assert not set(allowed_land_uses("software")) & INDUSTRIAL
    for pid in ("6g", "quantum"):
        assert set(allowed_land_uses(pid)) == {"RD", "C65"}


def _known(code: str) -> bool:
    """Code well-formed and its division real; a prefix of, equal to or below a mapped code, or a division."""
    if not industries.is_known_code(code):
        return False
    mapped = industries.MAPPING
    return (
        code in mapped
        or any(code.startswith(k) or k.startswith(code) for k in mapped)
        or code[:2] in industries.DIVISIONS
    )


def test_chains_cover_the_required_industries_with_4_to_7_well_formed_links():
    required = {"ic", "ai", "software", "iot", "equip", "beidou", "rs", "biomed", "newmat", "aviation", "nev",
                "newenergy", "eco", "logistics", "expo"}
    assert required <= set(CHAINS) <= set(ALLOWED_LAND_USES)
    assert STAGE_IDS == ("upstream", "midstream", "downstream", "services") == tuple(STAGES)
    assert CHAIN_SOURCES and LAND_SOURCES
    for pid, links in CHAINS.items():
        assert 4 <= len(links) <= 7, pid
        assert len({link.id for link in links}) == len(links), pid
        seen: set[str] = set()
        for link in links:
            assert isinstance(link, ChainLink) and link.stage in STAGES, (pid, link.id)
            assert link.zh and link.en and link.codes, (pid, link.id)
            for code in link.codes:
                assert re.fullmatch(r"\d{2,4}", code) and _known(code), (pid, link.id, code)
                assert code not in seen, f"{pid}: {code} in two links"
                seen.add(code)


def test_link_of_takes_the_longest_prefix():
    assert link_of("ic", "3973").id == "fab_packaging"   # "3973" beats "39"
    assert link_of("ic", "C3973").id == "fab_packaging"  # section letter accepted
    assert link_of("ic", "3921").id == "applications"    # only "39" matches
    assert link_of("ic", "3985").id == "materials"
    assert link_of("equip", "3491").id == "robots"       # "3491" beats "34"
    assert link_of("equip", "3421").id == "machines"
    assert link_of("biomed", "2761").id == "drugs"       # group "276"
    assert link_of("biomed", "7330") is None             # agricultural science is not biomedicine
    assert link_of("ic", "5151") is None
    assert link_of("no-such-industry", "3973") is None


@pytest.mark.skipif(not PLAN_TEXT.exists(), reason="plan text not present")
def test_plan_notes_quote_the_plan():
    flat = re.sub(r"\s+", "", PLAN_TEXT.read_text(encoding="utf-8"))
    for pid, links in CHAINS.items():
        for link in links:
            if link.plan_note is None:
                continue
            m = re.search(r"「(.+)」 \((.+)\)$", link.plan_note)
            assert m, (pid, link.id, link.plan_note)
            assert re.sub(r"\s+", "", m.group(1)) in flat, (pid, link.id, m.group(1))
