"""Unit tests for gis.uscc."""

import random

import numpy as np
import pytest

from gis.uscc import ALPHABET, check_character, make_uscc, normalize_uscc, validate_uscc

# Independent re-statement of GB 32100-2015 for the tests.
_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def _hand_check(first17):
    total = 0
    for i in range(17):
        total += _CHARS.index(first17[i]) * _W[i]
    c = 31 - total % 31
    return "0" if c == 31 else _CHARS[c]


def test_alphabet():
    assert ALPHABET == _CHARS and len(ALPHABET) == 31
    assert not set("IOZSV") & set(ALPHABET)


def test_known_code_hand_computed():
    # Authority 9, type 1, Qingpu 310118, organisation code MA1JL4X5 + its GB 11714 check.
    first17 = "91310118MA1JL4X5" + "2"
    check = _hand_check(first17)
    assert check_character(first17) == check
    assert validate_uscc(first17 + check) is None


def test_check_character_31_maps_to_zero():
    # find a prefix whose weighted sum is divisible by 31, then the check must be '0'
    rng = random.Random(7)
    for _ in range(10_000):
        first17 = "".join(rng.choice(_CHARS) for _ in range(17))
        if sum(_CHARS.index(c) * w for c, w in zip(first17, _W)) % 31 == 0:
            assert check_character(first17) == "0"
            return
    pytest.fail("no prefix with sum divisible by 31 found")


def test_every_single_mutation_is_detected():
    code = make_uscc(random.Random(1))
    assert validate_uscc(code) is None
    for pos in range(18):
        for c in ALPHABET:
            if c == code[pos]:
                continue
            mutated = code[:pos] + c + code[pos + 1:]
            reason = validate_uscc(mutated)
            assert reason is not None and reason.startswith("check character"), (pos, c)


def test_reasons():
    assert validate_uscc("91310118") == "must be 18 characters"
    assert validate_uscc(12345) == "must be a string"
    good = make_uscc(random.Random(3))
    bad = good[:4] + "I" + good[5:]
    assert validate_uscc(bad) == "character 'I' at position 5 is not allowed"
    wrong = "Y" if good[17] != "Y" else "X"
    assert validate_uscc(good[:17] + wrong) == (
        f"check character should be {good[17]!r}, found {wrong!r}")


def test_normalize_full_width_and_space():
    code = make_uscc(random.Random(5))
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    messy = "\u3000 " + full_width.lower() + " \t"
    assert normalize_uscc(messy) == code
    assert validate_uscc(normalize_uscc(messy)) is None
    assert validate_uscc(full_width) is not None  # validation itself does not normalise


def test_make_uscc_is_valid_and_reproducible():
    a = [make_uscc(random.Random(42)) for _ in range(2)]
    assert a[0] == a[1]
    rng = np.random.default_rng(0)
    codes = [make_uscc(rng, region="310101") for _ in range(200)]
    assert all(validate_uscc(c) is None for c in codes)
    assert all(c.startswith("91310101") for c in codes)
    assert len(set(codes)) == 200
    with pytest.raises(ValueError):
        make_uscc(rng, region="31011")
