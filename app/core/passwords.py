"""The password rule: long enough, not the user name, not one of the passwords everyone tries first.

The list is short on purpose: the passwords attackers try before any other (keyboard runs, "password"
and its spellings, years, the service's own name). Length does the rest.
"""
from __future__ import annotations

import re

MIN_LENGTH = 10

# Written for this project; compared after lower-casing and dropping spaces, digits and symbols at the end.
COMMON = frozenset("""
password passw0rd p@ssword p@ssw0rd passwort motdepasse contrasena
qwerty qwertyuiop qwertyuiop123 asdfghjkl zxcvbnm qazwsx qazwsxedc 1qaz2wsx 1q2w3e4r 1q2w3e4r5t
abc abcdef abcdefg abcdefgh abcdefghij abc123 abcd1234 a1b2c3d4
letmein welcome welcome1 iloveyou trustno1 sunshine princess dragon monkey football baseball
master shadow superman batman starwars whatever freedom hello hellokitty ninja mustang
admin administrator root toor guest user test tester changeme default secret login
woaini woaini1314 aini1314 wodemima mima zhongguo china beijing shanghai
qingpu qingpulayout qingpu-layout layout planner investment
iloveyou1 password1 password12 password123 password1234 admin123 admin1234 root123 test123
""".split())

_TAIL = re.compile(r"[\d\W_]+$")


def _core(password: str) -> str:
    lowered = password.lower().replace(" ", "")
    return _TAIL.sub("", lowered) or lowered


def password_problem(password: str, user_name: str = "") -> str | None:
    """Why this password is refused, in one sentence, or None when it is acceptable."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        return f"the password must have at least {MIN_LENGTH} characters"
    lowered = password.lower()
    name = user_name.lower()
    if name and (lowered == name or name in lowered and len(lowered) - len(name) < 4 or _core(password) == name):
        return "the password must not be the user name (or the user name with a few characters added)"
    if len(set(lowered)) < 4:
        return "the password repeats too few characters; use a longer phrase"
    if lowered.isdigit() and (lowered in "01234567890123456789" or lowered in "98765432109876543210"):
        return "the password is a run of digits; use a phrase"
    if lowered in COMMON or _core(password) in COMMON:
        return "the password is one of the most common passwords; choose another (a phrase of a few words works well)"
    return None
