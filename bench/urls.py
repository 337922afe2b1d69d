"""The project's URLs plus the benchmarks' baselines: a bare ORM + template page and a bare forward view."""

import requests
from django.http import HttpResponse
from django.template import engines
from django.urls import path

from builder.models import Connector
from connections.models import Connection
from connectors_site.urls import urlpatterns as project_urlpatterns

BARE_PAGE = engines["django"].from_string(
    "<!doctype html><html><body><table>{% for c in rows %}<tr><td>{{ c.name }}</td><td>{{ c.description }}</td>"
    "<td>{{ c.link_name }}</td></tr>{% endfor %}</table></body></html>")
BARE_ROW_PREFIX = "Bare row "
# One keep-alive session for the bare forward view (what a hand-written proxy would keep).
FORWARD = requests.Session()
FORWARD.trust_env = False


def bare_page(request):
    """50 rows through the ORM and a template: what any list page costs at least. Its own 50 rows (bench/run.py
    makes them), so that it is the same page whatever number of rows the pages measured against it hold."""
    rows = Connector.objects.filter(name__startswith=BARE_ROW_PREFIX).order_by("name")[:50]
    return HttpResponse(BARE_PAGE.render({"rows": rows}, request))


def bare_forward(request, link_name):
    """Decrypt a connection's secrets, apply its auth, forward one call, answer its body: the console's core."""
    connection = Connection.objects.select_related("connector").get(link_name=link_name, owner=request.user)
    connector = connection.connector
    auth = connector.kind.auth(connector.kind_config, connection.secrets, client=connector.secrets)
    answer = FORWARD.get(request.GET["url"], auth=auth, timeout=(5, 30))
    return HttpResponse(answer.content, status=answer.status_code, content_type="application/json")


urlpatterns = project_urlpatterns + [
    path("bench/bare-page/", bare_page),
    path("bench/forward/<slug:link_name>/", bare_forward),
]
