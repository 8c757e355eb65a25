"""Unified social credit code (统一社会信用代码, GB 32100-2015): check, validate, normalise, synthesise.

Layout of the 18 characters: 1 registration authority, 2 organisation type, 3-8 region code
(行政区划码), 9-17 organisation code (GB 11714, its own check last), 18 check character.
"""

from __future__ import annotations

import unicodedata

import numpy as np

__all__ = ["ALPHABET", "WEIGHTS", "check_character", "validate_uscc", "uscc_problems", "normalize_uscc",
           "make_uscc"]

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {c: i for i, c in enumerate(ALPHABET)}

# GB 11714 organisation code: 8 body characters (digits or letters) then a mod-11 check.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def check_character(first17: str) -> str:
    """The 18th (check) character for the first 17 characters of a code."""
    if len(first17) != 17:
        raise ValueError("need exactly 17 characters")
    try:
        total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS))
    except KeyError as exc:
        raise ValueError(f"character {exc.args[0]!r} is not allowed") from None
    return ALPHABET[(31 - total % 31) % 31]


def validate_uscc(code) -> str | None:
    """None if ``code`` is a valid USCC, else a short reason. Does not normalise: see normalize_uscc."""
    if not isinstance(code, str):
        return "must be a string"
    if len(code) != 18:
        return "must be 18 characters"
    for pos, c in enumerate(code, start=1):
        if c not in _VALUE:
            return f"character {c!r} at position {pos} is not allowed"
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"check character should be {expected!r}, found {code[17]!r}"
    return None


# Byte -> character value, -1 for a byte outside the alphabet (vectorised check below).
_BYTE_VALUE = np.full(256, -1, dtype=np.int64)
_BYTE_VALUE[np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)] = np.arange(len(ALPHABET))
_ALPHABET_BYTES = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)


def uscc_problems(codes) -> list[str | None]:
    """``[validate_uscc(c) for c in codes]``, with the check characters of all well-formed codes
    computed at once in numpy; only codes that fail are passed to validate_uscc for their reason."""
    codes = list(codes)
    out: list[str | None] = [None] * len(codes)
    joined = "".join(codes) if set(map(type, codes)) <= {str} and set(map(len, codes)) <= {18} else None
    if joined is not None and joined.isascii():  # the usual column: the test below holds for every code
        plain = range(len(codes))
    else:
        plain = [i for i, c in enumerate(codes) if type(c) is str and len(c) == 18 and c.isascii()]
        joined = "".join(codes[i] for i in plain)
    slow = set(range(len(codes))).difference(plain) if len(plain) < len(codes) else ()
    if plain:
        raw = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(-1, 18)
        values = _BYTE_VALUE[raw]
        check = (31 - (values[:, :17] @ np.asarray(WEIGHTS, dtype=np.int64)) % 31) % 31
        good = (values >= 0).all(axis=1) & (_ALPHABET_BYTES[check] == raw[:, 17])
        slow = sorted([*slow, *(plain[k] for k in np.flatnonzero(~good))])
    for i in slow:
        out[i] = validate_uscc(codes[i])
    return out


def normalize_uscc(code: str) -> str:
    """Strip whitespace, convert full-width characters to half-width and upper-case."""
    text = unicodedata.normalize("NFKC", str(code))
    return "".join(text.split()).upper()


def _org_code(rng) -> str:
    """A random 9-character organisation code with its GB 11714 check character."""
    body = "".join(str(rng.choice(list(ALPHABET))) for _ in range(8))
    total = sum(_org_value(c) * w for c, w in zip(body, _ORG_WEIGHTS))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def _org_value(c: str) -> int:
    return int(c) if c.isdigit() else ord(c) - ord("A") + 10


def make_uscc(rng, region: str = "310118") -> str:
    """A valid synthetic code: authority '9' (市场监管), type '1' (enterprise), ``region``,
    a random organisation code and the check character. ``rng`` is a ``random.Random`` or a
    numpy ``Generator`` (anything with ``choice``)."""
    if not (isinstance(region, str) and len(region) == 6 and region.isdigit()):
        raise ValueError("region must be a 6-digit administrative division code")
    first17 = "91" + region + _org_code(rng)
    return first17 + check_character(first17)
