"""Equality for the fast-path tests: the same values with the same types."""

import math


def same(a, b) -> bool:
    """Equal, with the same types all the way down (1 and 1.0 differ; nan equals
    nan; a dict's keys in the same order)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b
