"""What a personal access token may be allowed to do, and who may give each permission to a token."""

from django.db import models

BUILD_PERMISSION = "builder.build_connector"


class Scope(models.TextChoices):
    CONNECTORS_READ = "connectors:read", "connectors:read — list and read connectors (builders)"
    CONNECTORS_WRITE = "connectors:write", "connectors:write — create, change, import and delete connectors (builders)"
    CONNECTIONS_READ = "connections:read", "connections:read — list and read your connections"
    CONNECTIONS_WRITE = "connections:write", "connections:write — add, change, test and delete your connections"
    PROXY = "proxy", "proxy — call APIs through your connections"


# Scopes a token may hold only while its user builds connectors.
BUILDER_SCOPES = frozenset({Scope.CONNECTORS_READ, Scope.CONNECTORS_WRITE})


def may_hold(user, scope):
    """True when `user` has, today, what `scope` grants (a token never grants more than its user has)."""
    if not user.is_active:
        return False
    if scope in BUILDER_SCOPES:
        return user.has_perm(BUILD_PERMISSION)
    return True


def scopes_for(user):
    """Return the scopes `user` may give a token, in the order of `Scope`."""
    return [scope for scope in Scope if may_hold(user, scope)]
