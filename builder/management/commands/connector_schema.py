"""Print the JSON Schema of connector documents (catalog_schema.json with every auth type's part)."""

import json

from django.core.management.base import BaseCommand

from builder.document_format import document_schema


class Command(BaseCommand):
    help = "Print the JSON Schema of connector documents, every registered auth type included."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="Write it to this file instead of standard output.")

    def handle(self, *args, output=None, **options):
        text = json.dumps(document_schema(), indent=2, ensure_ascii=False) + "\n"
        if output:
            with open(output, "w", encoding="utf-8") as file:
                file.write(text)
        else:
            self.stdout.write(text, ending="")
