"""Oversight of the audit trail: the audit page for managers (who revealed or
exported what, filtered and paginated, the revealed values never shown) and
the alerts on unusual reveals (recorded by backend/audit/alerts.py). Above
account administration, whose scope rule decides whose entries a manager sees."""

from flask_babel import lazy_gettext as _l

from backend.areas import MANAGERS, Area, NavEntry

AREA = Area(
    name="oversight",
    policy="backend.oversight.policy",
    pages=("frontend.oversight.views:bp",),
    nav=(NavEntry(_l("Audit log"), "audit_pages.index", MANAGERS, order=75, id="nav-audit",
                  badge="frontend.oversight.views:alert_badge", badge_title=_l("Unusual reveals today: %(n)s")),),
)
