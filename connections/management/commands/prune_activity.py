from django.conf import settings
from django.core.management.base import BaseCommand

from connections import usage


class Command(BaseCommand):
    help = ("Write buffered usage, then fold activity lines of API calls older than "
            "CONNECTORS_ACTIVITY_RETENTION_DAYS into calls per hour and delete them (the app does this hourly).")

    def handle(self, *args, **options):
        usage.buffer.flush()
        deleted = usage.prune()
        self.stdout.write(f"{deleted} activity lines older than {settings.CONNECTORS_ACTIVITY_RETENTION_DAYS} days "
                          "counted per hour and deleted.")
