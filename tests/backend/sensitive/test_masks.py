"""Masks: an ID number keeps its first and last characters only (its middle is
the birth date), phones keep their ends, addresses their first characters,
and a birth date shrinks to its year."""

from datetime import date

import pytest

from backend.sensitive import masks

ID_NUMBER = "11010119400101123X"


def test_an_id_number_shows_its_first_and_last_characters_only():
    masked = masks.mask_id_number(ID_NUMBER)
    assert masked == "1****************X" and len(masked) == len(ID_NUMBER)
    assert "1940" not in masked and "0101" not in masked  # nothing of the birth date
    assert masks.mask_id_number("110101194001011") == "1*************1"
    assert masks.mask_id_number("123") == "***" and masks.mask_id_number(None) == ""


@pytest.mark.parametrize(("value", "masked"), [
    ("1", "*"),
    ("1234", "****"),
    ("12345", "***45"),
    ("1234567", "*****67"),
    ("12345678", "123*5678"),
    ("13800000001", "138****0001"),
    ("010-12345678", "010-****5678"),
    (None, ""),
])
def test_a_phone_keeps_its_ends(value, masked):
    assert masks.mask(value) == masked


def test_an_address_keeps_its_estate_not_its_room():
    masked = masks.mask_address("幸福小区2号楼2单元202")
    assert masked.startswith("幸福小区") and "202" not in masked and "2号楼" not in masked
    assert masks.mask_address("") == "" and "3" not in masks.mask_address("和平里3号")


@pytest.mark.parametrize(("value", "year"), [
    (date(1940, 1, 1), 1940), ("1940-01-01", 1940), (None, None), ("", None), ("soon", None)])
def test_birth_year(value, year):
    assert masks.birth_year(value) == year
