"""Page-numbered lists with links (first, previous, next, last): one COUNT and one page of rows per call."""

from urllib.parse import urlencode

from ninja import Schema

from .problems import Problem

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


class Links(Schema):
    self: str
    first: str
    last: str
    next: str | None = None
    prev: str | None = None


def page_of(request, queryset, *, page, page_size):
    """Return {count, page, page_size, links, results} for one page of `queryset`."""
    if page < 1:
        raise Problem(400, "page counts from 1.", errors=[{"detail": "Must be 1 or more.", "parameter": "page"}])
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise Problem(400, f"page_size is from 1 to {MAX_PAGE_SIZE}.",
                      errors=[{"detail": f"Must be from 1 to {MAX_PAGE_SIZE}.", "parameter": "page_size"}])
    count = queryset.count()
    last = max(1, -(-count // page_size))
    start = (page - 1) * page_size
    results = list(queryset[start:start + page_size]) if page <= last else []

    def link(number):
        query = request.GET.copy()
        query["page"] = number
        query["page_size"] = page_size
        return request.build_absolute_uri(f"{request.path}?{urlencode(sorted(query.lists()), doseq=True)}")

    return {
        "count": count, "page": page, "page_size": page_size, "results": results,
        "links": {"self": link(page), "first": link(1), "last": link(last),
                  "next": link(page + 1) if page < last else None,
                  "prev": link(min(page - 1, last)) if page > 1 else None},
    }
