"""Why a connection cannot be used now. Every message is safe to show to its owner."""


class ConnectionUnavailable(Exception):
    """The connection cannot be used now."""


class ConnectionDisabled(ConnectionUnavailable):
    def __init__(self):
        super().__init__("This connection is disabled. Enable it on its page to use it again.")


class ConnectionNeedsReconfiguration(ConnectionUnavailable):
    def __init__(self):
        super().__init__("This connection needs to be reconfigured: its stored values can no longer be decrypted.")


class ConnectionNotAuthorized(ConnectionUnavailable):
    def __init__(self):
        super().__init__("This connection is not authorized. Authorize it again on its page.")


class ConnectionNeedsReauthorization(ConnectionUnavailable):
    """The provider no longer accepts the grant; the user must authorize again (no token calls until then)."""

    def __init__(self, detail=""):
        super().__init__("This connection needs to be reauthorized" + (f": {detail}" if detail else "."))


class TokenRefreshFailed(ConnectionUnavailable):
    """The provider could not refresh the token now; the call may be retried later."""


class DestinationRefused(ConnectionUnavailable):
    """The URL is not on the connector's API origins (or is a path and there is no Base URL)."""
