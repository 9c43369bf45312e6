"""What a screen shows of a sensitive value to whoever has not revealed it.

An ID number keeps its first and last characters only: its middle holds the
place of registration and the birth date, and with the birth date shown beside
it four and four kept digits left one or two candidates. A birth date is shown
as a year to those who may not reveal (the year is what an age needs)."""

from datetime import date


def mask(value: str | None) -> str:
    """A phone number (or any short value): its ends, the middle starred."""
    if not value:
        return ""
    if len(value) <= 4:
        return "*" * len(value)
    if len(value) < 8:  # too short to show both ends and hide anything between: the last two only
        return "*" * (len(value) - 2) + value[-2:]
    keep = 3 if len(value) <= 11 else 4
    return value[:keep] + "*" * (len(value) - keep - 4) + value[-4:]


def mask_id_number(value: str | None) -> str:
    """First and last character, nothing of the birth date or the place between."""
    if not value:
        return ""
    if len(value) <= 4:
        return "*" * len(value)
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_address(value: str | None) -> str:
    """A claimed address: its first characters (the estate or village), no building or room."""
    if not value:
        return ""
    keep = min(4, len(value) // 3)
    return value[:keep] + "*" * min(8, len(value) - keep)


def birth_year(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.year
    text = str(value)
    return int(text[:4]) if text[:4].isdigit() else None
