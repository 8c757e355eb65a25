"""The plan's policy text quoted by briefs: every zone and industry it names exists, each main zone and
each plan industry has text, and the Chinese quotes are the plan's own words."""
import re

from layers.qingpu import CLUSTERS, CORE, CORRIDOR
from plan.industries import PLAN_INDUSTRIES
from plan.policies import INDUSTRY_POLICY, MEASURES, ZONE_POLICY
from tests.conftest import SHARED


def test_every_main_zone_and_every_plan_industry_has_policy_text():
    assert set(ZONE_POLICY) == {CORE.id, CORRIDOR.id, *(c.id for c in CLUSTERS)}
    assert set(INDUSTRY_POLICY) == {p.id for p in PLAN_INDUSTRIES}
    for p in [*ZONE_POLICY.values(), *INDUSTRY_POLICY.values(), MEASURES]:
        assert p.zh and p.en and p.section


def test_quoted_phrases_are_in_the_plan():
    plan = SHARED / "plan" / "qingpu-14th-five-year-plan-strategic-industries.txt"
    if not plan.exists():
        return
    body = re.sub(r"\s+", "", plan.read_text(encoding="utf-8"))
    for p in [*ZONE_POLICY.values(), *INDUSTRY_POLICY.values(), MEASURES]:
        # each clause between Chinese commas / semicolons (or an omission mark ……), long enough to be telling
        for clause in re.split(r"[，。；：“”]|……", re.sub(r"\s+", "", p.zh)):
            if len(clause) >= 12:
                assert clause in body, clause
