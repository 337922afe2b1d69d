from ..problems import Problem, ProblemOut

# Every operation may answer these (token missing or refused, scope missing, not found, refused input,
# rate limited).
COMMON = (400, 401, 403, 404, 429)


def error_responses(*statuses):
    return {status: ProblemOut for status in sorted({*COMMON, *statuses})}


ERRORS = error_responses()


def connector_by_ref(ref, queryset, *, pointer):
    """Return the connector an id or a link name names in `queryset`; a problem (400) naming `pointer` if none."""
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isascii() and ref.isdigit()):
        found = queryset.filter(pk=int(ref)).first() if int(ref) < 2**63 else None
    elif "\x00" in ref:  # no link name holds one (and PostgreSQL refuses it in a query)
        found = None
    else:
        found = queryset.filter(link_name=ref).first()
    if found is None:
        raise Problem(400, "There is no Ready connector with this id or link name that you may use.",
                      errors=[{"detail": "No such Ready connector.", "pointer": pointer}])
    return found
