import datetime

from django.core.management.base import BaseCommand

from connections import tokens
from connections.errors import ConnectionNeedsReauthorization, ConnectionUnavailable, TokenRefreshFailed


class Command(BaseCommand):
    help = "Refresh the token of every connection that expires within the window (for a cron job); report each."

    def add_arguments(self, parser):
        parser.add_argument("--within", type=int, default=600, metavar="SECONDS",
                            help="refresh tokens expiring within this many seconds (default 600)")

    def handle(self, *args, within, **options):
        counts = {"refreshed": 0, "needs reauthorization": 0, "failed": 0, "skipped": 0}
        for connection in tokens.connections_expiring(datetime.timedelta(seconds=within)):
            kind = connection.connector.kind
            if connection.needs_reconfiguration or not kind.can_refresh(connection.connector.kind_config,
                                                                        connection.secrets):
                outcome = "skipped"
            else:
                before = kind.token_identity(connection.secrets)
                try:
                    # Re-read under the lock: a worker may have refreshed it a moment ago.
                    tokens.connection_refresh(connection, margin=datetime.timedelta(seconds=within))
                    outcome = "refreshed" if kind.token_identity(connection.secrets) != before else "skipped"
                except ConnectionNeedsReauthorization:
                    outcome = "needs reauthorization"
                except TokenRefreshFailed:
                    outcome = "failed"
                except ConnectionUnavailable:
                    outcome = "skipped"
            counts[outcome] += 1
            self.stdout.write(f"{connection.link_name}: {outcome}")
        self.stdout.write(", ".join(f"{count} {label}" for label, count in counts.items()))
