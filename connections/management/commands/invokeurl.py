import json
import sys

from django.core.management.base import BaseCommand, CommandError

from connectors_site import outbound
from connections import services
from connections.forms import METHODS, parse_pairs
from connections.models import Connection


class Command(BaseCommand):
    help = (
        "Call a URL through a connection with its authentication applied; print the response. "
        "Exit status 1 on a connection error or an HTTP status of 400 or more."
    )

    def add_arguments(self, parser):
        parser.add_argument("connection", help="the connection's link name")
        parser.add_argument("--url", required=True,
                            help="a full URL, or a path relative to the connector's Base URL (/v1/me)")
        parser.add_argument("--type", default="GET", choices=METHODS, type=str.upper, help="the HTTP method")
        parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="a query parameter")
        parser.add_argument("--header", action="append", default=[], metavar="'NAME: VALUE'", help="a header")
        parser.add_argument("--body", help="the request body: JSON (sent as application/json) or name=value&... form")
        parser.add_argument("--include", "-i", action="store_true", help="print the status line and headers too")

    def handle(self, *args, **options):
        try:
            connection = Connection.objects.select_related("connector").get(link_name=options["connection"])
        except Connection.DoesNotExist:
            raise CommandError(f"No connection has the link name {options['connection']!r}.") from None
        try:
            params = parse_pairs("\n".join(options["param"]), "=", "--param")
            headers = dict(parse_pairs("\n".join(options["header"]), ":", "--header"))
        except Exception as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from None
        body = self.body(options["body"])
        try:
            response = services.connection_request(
                connection, options["type"], options["url"], params=params or None, headers=headers or None, **body
            )
        except (services.ConnectionUnavailable, outbound.OutboundError) as error:
            raise CommandError(str(error)) from None
        # Every part shown is masked, the status line too, with the masker of the credentials this call
        # held and sent (a token refreshed during it included).
        masker = response.masker
        status_line = masker.text(f"HTTP {response.status_code} {response.reason}")
        if options["include"]:
            self.stdout.write(status_line)
            for name, value in masker.headers(response.headers):
                self.stdout.write(f"{name}: {value}")
            self.stdout.write("")
        self.stdout.write(masker.text(response.text))
        if response.status_code >= 400:
            self.stderr.write(status_line)
            sys.exit(1)

    @staticmethod
    def body(text):
        if text is None:
            return {}
        try:
            return {"json": json.loads(text)}
        except ValueError:
            pairs = parse_pairs(text.replace("&", "\n"), "=", "form field")
            return {"data": pairs}
