"""A grid worker's tree pages count only their grid's households and residents,
even on the community and district above it (docs/PRIVACY.md, "Who sees what")."""

import re

import pytest


def _counts(html):
    found = dict(re.findall(r"<dt>(Households|Residents)</dt><dd>(\d+)</dd>", html))
    return {name.lower(): int(number) for name, number in found.items()}


@pytest.mark.parametrize("key", ["D", "S1", "C1", "G1"])
def test_a_grid_worker_counts_only_their_grid(world, client, auth, key):
    auth.login("worker1")
    page = client.get(f"/org/{world.nodes[key].id}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert _counts(page.get_data(as_text=True)) == {"households": 1, "residents": 2}


def test_the_district_officer_counts_the_district(world, client, auth):
    auth.login("district1")
    page = client.get(f"/org/{world.nodes['D'].id}", headers={"Accept-Language": "en"})
    assert _counts(page.get_data(as_text=True)) == {"households": 4, "residents": 5}
