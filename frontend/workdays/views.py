"""The working calendar's page (工作日历): a year's public holidays and make-up working
days, read by everyone in the request office and kept by administrators. The rules are
in backend.workdays.services."""

from datetime import date

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from backend.apiframe import client_address
from backend.common import utcnow
from backend.errors import Invalid, Refused
from backend.extensions import db
from backend.workdays import policy as calendar_policy
from backend.workdays import services
from frontend.render import done, form_page, int_arg
from frontend.requests.views import office_only

bp = Blueprint("workday_pages", __name__, url_prefix="/requests/calendar")

KIND_LABELS = {"holiday": _l("Holiday (a day off)"), "workday": _l("Make-up working day (a weekend day worked)")}
FORM_FIELDS = ("first", "last", "kind", "name")


bp.before_request(office_only)


def _user():
    return current_user._get_current_object()


def _year() -> int:
    return int_arg("year", utcnow().year, services.FIRST_YEAR, services.LAST_YEAR)


def _calendar(year: int, errors=None, form=None):
    return form_page("workdays/calendar.html", None, errors or {}, year=year,
                     days=services.year_marks(db.session, year),
                     working_days=services.working_days_in(db.session, year),
                     may_edit=calendar_policy.can_keep_calendar(_user()), kinds=list(KIND_LABELS.items()),
                     kind_labels=KIND_LABELS, form=form or {"kind": "holiday"},
                     min_year=services.FIRST_YEAR, max_year=services.LAST_YEAR)


@bp.get("")
def show():
    return _calendar(_year())


@bp.post("")
def mark():
    user = _user()
    if not calendar_policy.can_keep_calendar(user):
        abort(403)
    form = {name: request.form.get(name, "") for name in FORM_FIELDS}
    try:
        days = services.mark(db.session, user, form, client_address())
    except Invalid as exc:
        db.session.rollback()
        return _calendar(_year(), exc.errors, form)
    db.session.commit()
    flash(ngettext("%(num)d day marked: %(kind)s.", "%(num)d days marked: %(kind)s.", len(days),
                   kind=KIND_LABELS[form["kind"]]))
    return done(url_for("workday_pages.show", year=days[0].year))


@bp.post("/<day>/unmark")
def unmark(day):
    try:
        when = date.fromisoformat(day)
    except ValueError:
        abort(404)
    try:
        services.unmark(db.session, _user(), when, client_address())
    except Refused:
        db.session.rollback()
        abort(403)
    db.session.commit()
    flash(_("%(day)s follows the plain week again.", day=when.isoformat()))
    return done(url_for("workday_pages.show", year=when.year))
