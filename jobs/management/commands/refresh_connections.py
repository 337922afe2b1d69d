import datetime

from django.core.management.base import BaseCommand

from jobs import refresh


class Command(BaseCommand):
    help = ("Refresh the token of every connection that expires within the window, now, in this process "
            "(for cron; the queue's proactive refresh does the same every minute); report each.")

    def add_arguments(self, parser):
        parser.add_argument("--within", type=int, default=600, metavar="SECONDS",
                            help="refresh tokens expiring within this many seconds (default 600)")

    def handle(self, *args, within, **options):
        window = datetime.timedelta(seconds=within)
        counts = dict.fromkeys(refresh.OUTCOMES, 0)
        for connection in refresh.due_to_expire(window):
            outcome = refresh.refresh_one(connection, within=window)
            counts[outcome] += 1
            self.stdout.write(f"{connection.link_name}: {outcome}")
        self.stdout.write(", ".join(f"{count} {label}" for label, count in counts.items()))
