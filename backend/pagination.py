"""Query-string parsing shared by list endpoints and pages."""

from flask import request

from backend.errors import ApiError


def page_args(max_per_page: int = 100, default: int = 25) -> tuple[int, int]:
    def number(name, fallback, low, high):
        raw = request.args.get(name)
        if raw is None or raw == "":
            return fallback
        try:
            value = int(raw)
        except ValueError:
            raise ApiError(400, "Bad Request", f"{name} must be a whole number.",
                           errors={name: ["Not a number."]}) from None
        if not low <= value <= high:
            raise ApiError(400, "Bad Request", f"{name} must be between {low} and {high}.",
                           errors={name: [f"Between {low} and {high}."]})
        return value

    return number("page", 1, 1, 100000), number("per_page", default, 1, max_per_page)


def page_meta(pagination) -> dict:
    return {"page": pagination.page, "per_page": pagination.per_page, "total": pagination.total,
            "pages": pagination.pages}
