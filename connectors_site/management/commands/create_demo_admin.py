import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create or update the demo superuser 'admin' (password from DEMO_PASSWORD, default 'admin'). Debug only."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("The demo admin is created only when DJANGO_DEBUG is on.")
        password = os.environ.get("DEMO_PASSWORD") or "admin"
        user, created = get_user_model().objects.get_or_create(username="admin", defaults={"email": "admin@localhost"})
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        self.stdout.write(f"{'Created' if created else 'Updated'} the demo superuser 'admin'.")
