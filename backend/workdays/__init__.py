"""The working calendar: public holidays and make-up working days, which the requests' time limits count."""

from backend.areas import Area

AREA = Area(
    name="workdays",
    models=("backend.workdays.models",),
    pages=("frontend.workdays.views:bp",),
)
