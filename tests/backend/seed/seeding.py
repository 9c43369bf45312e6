"""Helpers of the seed tests: the real `seed-demo` command against the test
database, and queries of what it built."""

from sqlalchemy import func, select

from backend.auth.models import User
from backend.extensions import db
from backend.org.models import Node
from backend.registry.models import Household, Resident, household_care_tags
from backend.seed import demo

SIGN_IN_ACCOUNTS = [username for username, *_ in demo.ACCOUNTS]


def seed(app, *args):
    result = app.test_cli_runner().invoke(args=["seed-demo", *args])
    return result


def seeded(app):
    result = seed(app)
    assert result.exit_code == 0, result.output
    return result


def nodes(kind, **where):
    query = select(Node).where(Node.kind == kind)
    for key, value in where.items():
        query = query.where(getattr(Node, key) == value)
    return db.session.scalars(query).all()


def one(kind, name):
    (record,) = nodes(kind, name=name)
    return record


def tagged_households(code):
    return db.session.scalar(select(func.count()).select_from(household_care_tags)
                             .where(household_care_tags.c.tag_code == code))


def snapshot():
    return {
        "nodes": db.session.scalar(select(func.count(Node.id))),
        "users": db.session.scalar(select(func.count(User.id))),
        "households": db.session.scalar(select(func.count(Household.id))),
        "residents": set(db.session.scalars(select(Resident.id))),
    }
