"""Who keeps the working calendar (public holidays, make-up working days).

It is one for the deployment, as the State Council's schedule is one for the
country: administrators keep it, and everyone in the request office reads it."""

from backend.auth.policy import active

CALENDAR_KEEPERS = {"admin"}


def can_keep_calendar(user) -> bool:
    return active(user) and user.role in CALENDAR_KEEPERS
