from django.core.management.base import BaseCommand, CommandError

from builder.catalog import CATALOG_DIR, CatalogInvalid, load_builtin_connectors


class Command(BaseCommand):
    help = ("Install or update the built-in connectors from the catalog (one JSON file per service); "
            "all or nothing: a refused file stops the whole load.")

    def add_arguments(self, parser):
        parser.add_argument("--directory", metavar="DIR", default=str(CATALOG_DIR),
                            help=f"the catalog directory (default {CATALOG_DIR})")

    def handle(self, *args, directory, **options):
        try:
            result = load_builtin_connectors(directory)
        except CatalogInvalid as error:
            lines = [f"  {name} {path}: {message}" for name, path, message in error.problems]
            raise CommandError("The built-in connectors were not loaded; fix these problems:\n" + "\n".join(lines))
        for label in ("installed", "updated"):
            for key in getattr(result, label):
                self.stdout.write(f"{key}: {label}")
        self.stdout.write(f"Built-in connectors: {result}.")
