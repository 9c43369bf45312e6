"""Who may read a notice: whoever works in (or oversees) its grid. Asked through the one policy.can."""

from backend.auth import policy
from backend.extensions import db
from backend.org.models import Node
from tests.area_example.models import Notice


def can_notice(user, verb, notice) -> bool:
    if verb != policy.READ or user.role in ("resident", "volunteer"):
        return False
    grid = db.session.get(Node, notice.grid_id)
    return grid is not None and any(grid.path.startswith(prefix) for prefix in policy.area_paths(user))


RULES = {Notice: can_notice}
