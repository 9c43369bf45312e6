"""Who may read a rating of a request: whoever may read the request's place.
Asked through the one `policy.can` (backend/auth/policy.py), which loads RULES.

Requests import ratings, so this module does not import requests' policy; its
readers are the same roles (tests/backend/ratings/test_policy.py holds them equal)."""

from backend.auth.policy import READ, area_paths, within
from backend.ratings.models import Rating

# Roles reading every rating of the communities in their area: those reading their requests.
RATING_AREA_READERS = {"community_staff", "street_officer", "district_officer", "station_operator"}


def can_rating(user, verb, rating: Rating) -> bool:
    return verb == READ and can_read_rating(user, rating)


def can_read_rating(user, rating) -> bool:
    if user.role == "admin":
        return True
    if user.role == "resident":
        return (rating.household_id is not None and rating.household_id == user.household_id) \
            or rating.rater_id == user.id
    if user.role == "grid_worker":
        return rating.grid is not None and within(rating.grid.path, area_paths(user))
    if user.role in RATING_AREA_READERS:
        return rating.community is not None and within(rating.community.path, area_paths(user))
    return False


RULES = {Rating: can_rating}
