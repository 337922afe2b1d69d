"""Who is calling: a personal access token in `Authorization: Bearer ccpat_…`, and what it may do."""

from ninja.security import HttpBearer

from . import ratelimit
from .models import token_from_text
from .problems import Problem
from .scopes import BUILDER_SCOPES

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="api"'}


def no_token():
    """The problem answered to a call that sends no token (no Authorization: Bearer header)."""
    return Problem(401, "Send a personal access token: Authorization: Bearer ccpat_…", headers=CHALLENGE)


class TokenAuth(HttpBearer):
    def __init__(self, *, reads_named_connection=False):
        """`reads_named_connection` (the proxy's): the connection the address's link_name names is read with the
        token, in one query, and is the token's `named_connection` (not set when its user has no such connection)."""
        super().__init__()
        self.reads_named_connection = reads_named_connection

    def __call__(self, request):
        """django-ninja's reading of `Authorization: Bearer <token>` (HttpBearer's), from request.META:
        request.headers would first gather every header of the request (with the proxy's own reads, 4% of a
        proxied call's instructions). Unlike ninja's, it never logs a header it could not read (in DEBUG, that
        would write a credential into the log)."""
        value = request.META.get("HTTP_AUTHORIZATION")
        if not value:
            return None
        scheme, _, token = value.partition(" ")
        if scheme.lower() != self.openapi_scheme:
            return None
        return self.authenticate(request, token)

    def authenticate(self, request, token):
        found = self.find(request, token.strip())
        if found is None:
            raise Problem(401, "This is not a valid API token. Create one on the API tokens page.",
                          headers=CHALLENGE)
        if found.revoked_at:
            raise Problem(401, "This API token has been revoked.", headers=CHALLENGE)
        if found.is_expired:
            raise Problem(401, f"This API token expired at {found.expires_at:%Y-%m-%d %H:%M} UTC.", headers=CHALLENGE)
        if not found.user.is_active:
            raise Problem(401, "The account of this API token is deactivated.", headers=CHALLENGE)
        try:
            ratelimit.check(found)
        except ratelimit.RateLimited as error:
            raise Problem(429, str(error), headers={"Retry-After": str(error.retry_after)}) from None
        found.touch()
        request.user = found.user
        return found

    def find(self, request, text):
        if self.reads_named_connection:
            return token_from_text(text, connection_named=request.resolver_match.kwargs["link_name"])
        return token_from_text(text)


def require(request, scope):
    """Refuse (403) a token without `scope`, or whose user no longer has what it grants."""
    token = request.auth
    if scope not in token.scopes:
        raise Problem(403, f"This token does not have the {scope} scope.")
    if not token.allows(scope):
        who = "connector builders" if scope in BUILDER_SCOPES else "its user"
        raise Problem(403, f"The {scope} scope is only for {who}, and this token's user is not one any more.")
