"""Paging parameters (backend/pagination.py): defaults, bounds, and a 400 naming
the parameter at fault."""

import pytest

from backend.errors import ApiError
from backend.extensions import db
from backend.org.models import Node
from backend.pagination import page_args, page_meta


def args(app, query, **bounds):
    with app.test_request_context(f"/api/v1/things?{query}"):
        return page_args(**bounds)


def test_defaults_and_given_values(app):
    assert args(app, "") == (1, 25)
    assert args(app, "page=&per_page=") == (1, 25)
    assert args(app, "page=3&per_page=100") == (3, 100)
    assert args(app, "", default=10) == (1, 10)
    assert args(app, "per_page=500", max_per_page=500) == (1, 500)


@pytest.mark.parametrize(("query", "name", "words"), [
    ("page=0", "page", "between 1 and 100000"), ("page=100001", "page", "between 1 and 100000"),
    ("page=two", "page", "whole number"), ("page=1.5", "page", "whole number"),
    ("per_page=0", "per_page", "between 1 and 100"), ("per_page=101", "per_page", "between 1 and 100"),
    ("per_page=-1", "per_page", "between 1 and 100")])
def test_out_of_bounds_or_not_a_number_is_a_400_naming_it(app, query, name, words):
    with pytest.raises(ApiError) as raised:
        args(app, query)
    problem = raised.value.problem()
    assert problem["status"] == 400 and words in problem["detail"]
    assert list(problem["errors"]) == [name]


def test_the_upper_bound_of_per_page_is_the_callers(app):
    with pytest.raises(ApiError) as raised:
        args(app, "per_page=11", max_per_page=10)
    assert raised.value.problem()["errors"] == {"per_page": ["Between 1 and 10."]}


def test_meta_of_a_real_page(world):
    found = db.paginate(db.select(Node).order_by(Node.path), page=2, per_page=5, error_out=False)
    assert page_meta(found) == {"page": 2, "per_page": 5, "total": 12, "pages": 3}
