"""gis.chains: links, leaders and the gap rule on a hand-made district."""
from gis.chains import ChainFirm, ChainZone, chain_profile


def _firms(zone: str, code: str, n: int, start: int, employees: int = 10) -> list[ChainFirm]:
    return [ChainFirm(f"U{start + i:04d}", f"企业{start + i:04d}", code, employees + i, (zone,)) for i in range(n)]


ZONES = [ChainZone("a", "cluster", "甲组团", "Cluster A", ("biomed",)),   # targeted
         ChainZone("b", "cluster", "乙组团", "Cluster B", ("logistics",)),  # not targeted, 6 chain firms
         ChainZone("c", "park", "丙园区", "Park C", ())]                    # not targeted, 2 chain firms


def test_links_thin_and_absent_by_the_district_mix():
    firms = (_firms("a", "2720", 20, 0) + _firms("a", "3581", 1, 100)      # A: drugs 20, devices 1
             + _firms("b", "3581", 6, 200)                                  # B: devices 6
             + _firms("c", "2710", 2, 300)                                  # C: APIs 2
             + _firms("a", "3973", 5, 400)                                  # outside the chain: ignored
             + [ChainFirm("W1", "批发企业", "5151", 3, ("a", "b"))])        # distribution, in two zones
    p = chain_profile("biomed", firms, ZONES)
    district = {d["link"]: d["firms"] for d in p["district"]["links"]}
    assert district == {"rd_services": 0, "apis": 2, "drugs": 20, "devices": 7, "distribution": 1, "healthcare": 0}
    a = {link["link"]: link for link in p["zones"][0]["links"]}
    assert p["zones"][0]["firms"] == 22 and p["zones"][0]["links_present"] == 3
    # A has 22 chain firms; district mix: devices 7/30 -> expected 5.13, A has 1 < 0.5 * 5.13: thin
    assert a["devices"]["status"] == "thin" and a["devices"]["expected"] == round(22 * 7 / 30, 2)
    assert a["drugs"]["status"] == "present" and a["apis"]["status"] == "absent"
    gaps = {(g["zone"], g["link"], g["gap"]) for g in p["gaps"]}
    assert ("a", "devices", "thin") in gaps and ("a", "healthcare", "absent") in gaps
    assert ("b", "drugs", "absent") in gaps                          # B is in scope by its 7 chain firms
    assert not any(g[0] == "c" for g in gaps)                        # C: no target, 2 firms -> no gaps
    assert p["gaps"][0]["zone"] == "a"                              # targeted zones first
    # leaders: most employees first; the district leaders offered for a gap are those outside the zone
    assert [ld["name"] for ld in a["drugs"]["leaders"]] == ["企业0019", "企业0018", "企业0017"]
    b_drugs = next(g for g in p["gaps"] if g["zone"] == "b" and g["link"] == "drugs")
    assert b_drugs["district_leaders"][0]["name"] == "企业0019"
    assert "output_value" not in a["drugs"]


def test_output_only_when_asked():
    firms = [ChainFirm("U1", "企业1", "2720", 5, ("a",), output_value=120.5)]
    p = chain_profile("biomed", firms, ZONES, include_output=True)
    assert p["zones"][0]["links"][2]["output_value"] == 120.5
