from django.core.management.base import BaseCommand, CommandError

from builder.documents import NotExportable, connector_document, document_json
from builder.models import Connector


class Command(BaseCommand):
    help = "Write a connector as a JSON connector document (never with its secrets) to stdout or a file."

    def add_arguments(self, parser):
        parser.add_argument("link_name", help="the connector's link name")
        parser.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")

    def handle(self, *args, link_name, output=None, **options):
        try:
            connector = Connector.objects.get(link_name=link_name)
        except Connector.DoesNotExist:
            raise CommandError(f"No connector has the link name {link_name!r}.") from None
        try:
            text = document_json(connector_document(connector))
        except NotExportable as error:
            raise CommandError(str(error)) from None
        if output:
            with open(output, "w", encoding="utf-8") as file:
                file.write(text)
            self.stderr.write(f"Wrote {connector.link_name} to {output}.")
        else:
            self.stdout.write(text, ending="")
