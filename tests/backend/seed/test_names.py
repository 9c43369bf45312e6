"""The demo city's names and numbers (backend/seed/names.py)."""

import random
from collections import Counter
from datetime import date

import pytest

from backend.seed import names


def test_id_number_check_digit():
    assert names.check_digit("11010519491231002") == "X"  # the GB 11643 worked example
    assert names.valid_id_number("11010519491231002X")
    assert not names.valid_id_number("110105194912310021")
    number = names.id_number("110108", date(1990, 5, 17), 123)
    assert number.startswith("11010819900517123") and names.valid_id_number(number)
    assert [names.chinese_number(n) for n in (1, 10, 12, 20, 23)] == ["一", "十", "十二", "二十", "二十三"]


def test_a_bad_check_character_or_length_is_not_an_id_number():
    number = names.id_number("110101", date(1940, 1, 1), 123)
    wrong = "0" if number[-1] != "0" else "1"
    assert not names.valid_id_number(number[:-1] + wrong)
    assert not names.valid_id_number(number[:-1])
    assert not names.valid_id_number("A" + number[1:])


def test_chinese_numbers_only_from_one_to_ninety_nine():
    assert names.chinese_number(99) == "九十九"
    assert names.chinese_number(40) == "四十"
    for bad in (0, 100, -3):
        with pytest.raises(ValueError):
            names.chinese_number(bad)


def test_generations_by_birth_year_have_their_names():
    assert [names.generation(year) for year in (1959, 1960, 1984, 1985, 2004, 2005)] == [
        "elder", "middle", "middle", "young", "young", "child"]
    rng = random.Random(1)
    for _ in range(200):
        assert names.given_name(rng, "F", 1950) in names.GIVEN_NAMES[("elder", "F")]
        assert names.given_name(rng, "M", 2010) in names.GIVEN_NAMES[("child", "M")]


def test_weighted_choice_follows_its_weights():
    table = names.Weighted([("a", 1), ("b", 3), ("c", 0), ("d", 6)])
    rng = random.Random(7)
    counts = Counter(table.pick(rng) for _ in range(20_000))
    assert "c" not in counts  # weight 0: never
    assert 0.08 < counts["a"] / 20_000 < 0.12
    assert 0.27 < counts["b"] / 20_000 < 0.33
    assert 0.57 < counts["d"] / 20_000 < 0.63


def test_villages_are_mostly_their_clans():
    rng = random.Random(11)
    clans = {name for name, _ in names.VILLAGE_CLANS}
    picks = [names.VILLAGE_SURNAMES.pick(rng) for _ in range(10_000)]
    assert 0.6 < sum(pick in clans for pick in picks) / len(picks) < 0.85


def test_mobile_numbers_are_eleven_digits_with_a_known_prefix():
    rng = random.Random(5)
    for _ in range(500):
        number = names.mobile(rng)
        assert len(number) == 11 and number.isdigit() and number[:3] in names.MOBILE_PREFIXES
    assert names.mobile(random.Random(9)) == names.mobile(random.Random(9))
