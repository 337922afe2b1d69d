import json as jsonlib
import time

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import DeleteView, DetailView, ListView, TemplateView, UpdateView

from auth_types.base import FORM
from builder.models import Connector, Stage
from builder.views.mixins import BadRequestOnInvalidMixin
from connectors_site import outbound
from connectors_site.crypto import is_undecryptable
from connectors_site.reversing import reverse_once
from health.services import needs_attention
from health.templatetags.health import badge as health_badge

from . import activity, console, services
from .forms import ConnectionNameForm, ConsoleForm, VariablesForm
from .mixins import OwnConnectionMixin, own_connection_or_404
from .models import Connection
from .oauth_views import ConnectionAuthorizeView


class ConnectionListView(LoginRequiredMixin, ListView):
    """All of the user's connections (View More): search by name, filter by connector and status."""

    template_name = "connections/connection_list.html"
    context_object_name = "connections"
    paginate_by = 20

    def get_queryset(self):
        own = Connection.objects.for_owner(self.request.user)
        connections = own.select_related("connector", "health").defer("connector__logo", "connector__secrets")
        self.q = self.request.GET.get("q", "").strip()
        if self.q:
            connections = connections.filter(name__icontains=self.q)
        # The connector filter is a search on its name (a list of every connector grows with them).
        self.connector_filter = self.request.GET.get("connector", "").strip()[:100]
        if self.connector_filter:
            connections = connections.filter(connector__name__icontains=self.connector_filter)
        self.status_filter = self.request.GET.get("status", "")
        if self.status_filter in Connection.Status.values:
            connections = connections.filter(status=self.status_filter)
        self.attention = self.request.GET.get("attention") == "1"
        if self.attention:
            connections = needs_attention(connections)
        return connections

    def get_context_data(self, **kwargs):
        context = super().get_context_data(q=self.q, statuses=Connection.Status.choices,
                                           connector_filter=self.connector_filter, status_filter=self.status_filter,
                                           attention=self.attention, **kwargs)
        self.prepare_rows(context["connections"])
        return context

    def prepare_rows(self, connections):
        """Give each row its URLs and its health badge, reversing each URL once (not per row)."""
        detail, logo = url_for_arg("connections:detail", "link_name"), url_for_arg("builder:logo", 2147483647)
        for connection in connections:
            connector = connection.connector
            connection.page_url = detail(connection.link_name)
            connection.logo_url = f"{logo(connector.pk)}?v={connector.logo_hash[:12]}" if connector.logo_hash else ""
            connection.health_badge = health_badge(connection)


def url_for_arg(name, marker):
    """Return arg -> the URL of `name` for that one argument (a slug or a number: nothing to quote), reversing
    it once per process (and URLconf and script prefix)."""
    head, tail = reverse_once(name, marker).split(str(marker))
    return lambda value: f"{head}{value}{tail}"


# The connection page's buttons and links to its other pages (`urls` in its template).
CONNECTION_PAGES = ("test", "toggle", "rename", "credentials", "delete", "reauthorize", "refresh", "disconnect")


def connection_urls(link_name):
    """The addresses of a connection's pages, by name (CONNECTION_PAGES): what {% url %} gives, without
    reversing each per page shown."""
    return {name: url_for_arg(f"connections:{name}", "link_name")(link_name) for name in CONNECTION_PAGES}


@method_decorator([sensitive_post_parameters(), never_cache], name="dispatch")
class ConnectionAddView(LoginRequiredMixin, TemplateView):
    """Add Connection to a Ready connector: a name, then what the auth type prompts for."""

    template_name = "connections/connection_add.html"

    def dispatch(self, request, *args, **kwargs):
        # Sign-in first: a 404 for a Draft connector would tell strangers which connectors exist.
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.connector = get_object_or_404(
            Connector.objects.defer("logo"), pk=kwargs["connector_pk"], stage=Stage.READY
        )
        if self.connector.kind.grant_kind(self.connector.kind_config) != FORM:
            # The provider authorizes these: no values to type.
            return ConnectionAuthorizeView.as_view()(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def credential_form(self, data=None):
        form_class = self.connector.kind.credential_form(self.connector.config)
        return form_class(data, config=self.connector.config, prefix="cred") if form_class else None

    def get_context_data(self, **kwargs):
        kwargs.setdefault("name_form", ConnectionNameForm(initial={"name": self.connector.name}))
        kwargs.setdefault("credential_form", self.credential_form())
        kwargs.setdefault("variables_form", VariablesForm(connector=self.connector))
        return super().get_context_data(connector=self.connector, **kwargs)

    def post(self, request, *args, **kwargs):
        name_form = ConnectionNameForm(request.POST)
        credential_form = self.credential_form(request.POST)
        variables_form = VariablesForm(request.POST, connector=self.connector)
        if credential_form is None:
            return HttpResponseBadRequest("This connector is authorized through the provider's pages.")
        if name_form.is_valid() & variables_form.is_valid() & credential_form.is_valid():
            connection = services.connection_create(
                connector=self.connector, owner=request.user, name=name_form.cleaned_data["name"],
                secrets=credential_form.secrets(), variables=variables_form.values(),
            )
            # The connection's page shows the test's result (once: not also as a message).
            services.connection_test(connection=connection, user=request.user)
            return redirect(connection)
        context = self.get_context_data(name_form=name_form, credential_form=credential_form,
                                        variables_form=variables_form)
        return self.render_to_response(context, status=400)


class ConnectionDetailView(OwnConnectionMixin, DetailView):
    template_name = "connections/connection_detail.html"
    context_object_name = "connection"
    kept_requests = None  # the recent console requests when a console POST has read them already

    def get_object(self, queryset=None):
        # The page's health section reads the connection's health record: it comes with the connection.
        return own_connection_or_404(self.request.user, self.kwargs["link_name"], related=("connector", "health"))

    def get_context_data(self, **kwargs):
        masker = kwargs.pop("masker", None) or services.connection_masker(self.object)
        if "console_form" not in kwargs:
            # ?recent=<id> fills the console with a recent request, to send it again.
            initial = console.recent_request(self.object, self.request.GET.get("recent", ""), masker)
            kwargs["console_form"] = ConsoleForm(initial=initial)
        kwargs["recent_requests"] = console.recent_requests(self.object, masker, self.kept_requests)
        connector = self.object.connector
        if not is_undecryptable(connector.secrets):
            kwargs["client_certificate"] = connector.kind.certificate_expiry(connector.kind_config, connector.secrets)
        kwargs["urls"] = connection_urls(self.object.link_name)
        # The Activity section's rows, drawn in Python (connections/activity.py).
        kwargs["event_items"], kwargs["usage_hour_items"] = activity.activity_items(self.object)
        return super().get_context_data(**kwargs)


# The header the page's script (static/js/console.js) sends with a console POST: it takes the console part only.
CONSOLE_FRAGMENT_HEADER = "X-Console"


@method_decorator(never_cache, name="dispatch")
class ConsoleView(ConnectionDetailView):
    """The request console: send a request through the connection and show what happened.

    A form posted by the browser alone gets the whole connection page back; the page's script asks for
    the console part only (the form, the recent requests, the response), all that changed.
    """

    http_method_names = ["post"]

    def fragment(self):
        return self.request.headers.get(CONSOLE_FRAGMENT_HEADER) == "fragment"

    def get_template_names(self):
        return ["connections/_console.html"] if self.fragment() else super().get_template_names()

    def get_context_data(self, **kwargs):
        if not self.fragment():
            return super().get_context_data(**kwargs)
        masker = kwargs.pop("masker", None) or services.connection_masker(self.object)
        return {"connection": self.object,
                "recent_requests": console.recent_requests(self.object, masker, self.kept_requests), **kwargs}

    def post(self, request, *args, **kwargs):
        self.object = connection = self.get_object()
        form = ConsoleForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(console_form=form), status=400)
        self.kept_requests = console.remember_request(connection, console.console_fields(request.POST))
        started = time.monotonic()
        try:
            response = services.connection_request(
                connection, form.cleaned_data["method"], form.cleaned_data["url"], user=request.user,
                **form.request_kwargs(),
            )
        except services.DestinationRefused as error:
            form.add_error("url", str(error))
            return self.render_to_response(self.get_context_data(console_form=form), status=400)
        except (services.ConnectionUnavailable, outbound.OutboundError) as error:
            form.add_error(None, str(error))
            return self.render_to_response(self.get_context_data(console_form=form), status=400)
        # The masker of the credentials this call held and sent (a token refreshed during it included).
        masker = response.masker
        result = console_result(response, masker, elapsed_ms=round(1000 * (time.monotonic() - started)))
        result["curl"] = console.curl_command(result["sent"])
        return self.render_to_response(self.get_context_data(console_form=form, result=result, masker=masker))


def console_result(response, masker, *, elapsed_ms):
    """Describe a response and the request as sent, credentials masked in every part shown, for the console."""
    sent = response.request
    body = response.text
    try:
        body = jsonlib.dumps(response.json(), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        pass  # not JSON, or too deeply nested to pretty-print: shown as it came
    sent_body = sent.body.decode(errors="replace") if isinstance(sent.body, bytes) else (sent.body or "")
    return {
        "status": response.status_code,
        "reason": masker.text(response.reason),
        "elapsed_ms": elapsed_ms,
        "headers": masker.headers(response.headers),
        "body": masker.text(body),
        "sent": {
            "method": sent.method,
            "url": masker.url(sent.url),
            "headers": masker.headers(sent.headers),
            "body": masker.text(sent_body),
        },
    }


class ConnectionTestView(OwnConnectionMixin, View):
    def post(self, request, link_name):
        connection = self.get_object()
        services.connection_test(connection=connection, user=request.user)  # its page shows the result
        return redirect(connection)


class ConnectionToggleView(OwnConnectionMixin, View):
    def post(self, request, link_name):
        connection = self.get_object()
        services.connection_set_enabled(connection=connection, user=request.user, enabled=not connection.enabled)
        messages.success(request, f"Connection {'enabled' if connection.enabled else 'disabled'}.")
        return redirect(connection)


class ConnectionRenameView(OwnConnectionMixin, BadRequestOnInvalidMixin, UpdateView):
    template_name = "connections/connection_rename.html"
    form_class = ConnectionNameForm
    context_object_name = "connection"

    def form_valid(self, form):
        # The ModelForm already set the new name on the object; the audit trail needs the saved one.
        self.object.refresh_from_db(fields=["name"])
        services.connection_rename(connection=self.object, user=self.request.user, name=form.cleaned_data["name"])
        messages.success(self.request, "Connection renamed; its link name stays the same.")
        return redirect(self.object)


@method_decorator([sensitive_post_parameters(), never_cache], name="dispatch")
class ConnectionCredentialsView(OwnConnectionMixin, DetailView):
    """Change the stored values; secrets left blank are kept."""

    template_name = "connections/connection_credentials.html"
    context_object_name = "connection"

    def credential_form(self, data=None):
        connector = self.object.connector
        form_class = connector.kind.credential_form(connector.config)
        stored = {} if self.object.needs_reconfiguration else self.object.secrets
        return form_class(data, config=connector.config, stored_secrets=stored, prefix="cred") if form_class else None

    def variables_form(self, data=None):
        return VariablesForm(data, connector=self.object.connector, values=self.object.variables)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("credential_form", self.credential_form())
        kwargs.setdefault("variables_form", self.variables_form())
        return super().get_context_data(**kwargs)

    def post(self, request, link_name):
        self.object = connection = self.get_object()
        form = self.credential_form(request.POST)
        variables_form = self.variables_form(request.POST)
        if form is None:
            return HttpResponseBadRequest("This connection is authorized through the provider's pages.")
        if not (variables_form.is_valid() & form.is_valid()):
            context = self.get_context_data(credential_form=form, variables_form=variables_form)
            return self.render_to_response(context, status=400)
        services.connection_update_secrets(connection=connection, user=request.user, secrets=form.secrets(),
                                           variables=variables_form.values())
        services.connection_test(connection=connection, user=request.user)  # its page shows the result
        return redirect(connection)


class ConnectionDeleteView(OwnConnectionMixin, DeleteView):
    template_name = "connections/connection_confirm_delete.html"
    context_object_name = "connection"
    success_url = reverse_lazy("connections:list")

    def form_valid(self, form):
        services.connection_delete(connection=self.object, user=self.request.user)
        messages.success(self.request, f"Connection {self.object.name} deleted.")
        return redirect(self.success_url)
