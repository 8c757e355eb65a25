"""One place per fact, checked on the source: each shared fact has one module that reads or writes
it, and route modules leave SQL to their package's store."""
import re
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"

# fact (as SQL, keywords in capitals as the project writes them) -> the one module allowed to hold it
FACTS = {
    r"FROM\s+district\b": "core/store.py",
    r"(?<!DELETE )FROM\s+towns\b": "core/store.py",                  # reading the towns
    r"(INSERT\s+INTO|DELETE\s+FROM|UPDATE)\s+towns\b": "layout/store.py",  # writing them
    r"INSERT\s+INTO\s+zone_versions\b": "zones/store.py",
    r"(FROM|INTO|UPDATE)\s+data_versions\b": "core/store.py",
}


def _code(src: str) -> str:
    """The source without docstrings and comments (a module may explain a fact it leaves to its store)."""
    src = re.sub(r'"""(?:.|\n)*?"""', "", src)
    return "\n".join(line.split("#")[0] for line in src.splitlines())


def _sources():
    return {str(p.relative_to(APP)): _code(p.read_text(encoding="utf-8")) for p in APP.rglob("*.py")}


@pytest.mark.parametrize("pattern", FACTS)
def test_each_shared_fact_lives_in_one_module(pattern):
    holders = sorted(name for name, src in _sources().items() if re.search(pattern, src))
    assert holders == [FACTS[pattern]]


def test_route_modules_leave_sql_to_their_store():
    routes = {name: src for name, src in _sources().items() if "APIRouter(" in src}
    assert len(routes) >= 8
    offenders = sorted(name for name, src in routes.items() if ".execute(" in src or "import text" in src)
    assert offenders == []
