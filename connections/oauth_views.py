"""The pages of the provider-authorized connections: authorize, callback, refresh, disconnect."""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from auth_types.base import REDIRECT
from builder.models import Connector, Stage

from . import authorization, services, tokens
from .errors import ConnectionUnavailable
from .forms import VariablesForm
from .mixins import OwnConnectionMixin, own_connection_or_404
from .models import Connection


class AuthorizeForm(forms.Form):
    name = forms.CharField(label="Connection Name", max_length=100)
    scopes = forms.MultipleChoiceField(label="Scopes", required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, connector, connection=None, **kwargs):
        super().__init__(*args, **kwargs)
        scopes = list(connector.scopes.all())
        self.fields["scopes"].choices = [(scope.value, f"{scope.name} ({scope.value})") for scope in scopes]
        self.fields["scopes"].initial = [scope.value for scope in scopes]
        if not scopes:
            del self.fields["scopes"]
        if connection:
            del self.fields["name"]
        else:
            self.fields["name"].initial = connector.name


def report_connected(request, connection):
    """Say the connection is made, and run the connector's test request through it (its page shows the result)."""
    messages.success(request, f"Connected to {connection.connector.name}.")
    if connection.connector.test_url:
        services.connection_test(connection=connection, user=request.user)


def callback_uri(request, connector):
    """Return the exact redirect URI of the connector (the same in the request and the token call)."""
    return request.build_absolute_uri(connector.callback_path())


@method_decorator(never_cache, name="dispatch")
class ConnectionAuthorizeView(LoginRequiredMixin, TemplateView):
    """Add (or reauthorize) a connection whose credentials come from the provider."""

    template_name = "connections/connection_authorize.html"

    def dispatch(self, request, *args, **kwargs):
        # Sign-in first: "your connection" means nothing to an anonymous visitor (it was a 500).
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.connection = None
        if "link_name" in kwargs:
            self.connection = own_connection_or_404(request.user, kwargs["link_name"])
            self.connector = self.connection.connector
        else:
            self.connector = get_object_or_404(Connector, pk=kwargs["connector_pk"], stage=Stage.READY)
        return super().dispatch(request, *args, **kwargs)

    def form(self, data=None):
        return AuthorizeForm(data, connector=self.connector, connection=self.connection)

    def variables_form(self, data=None):
        values = self.connection.variables if self.connection else None
        return VariablesForm(data, connector=self.connector, values=values)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", self.form())
        kwargs.setdefault("variables_form", self.variables_form())
        kind = self.connector.kind
        return super().get_context_data(connector=self.connector, connection=self.connection,
                                        redirects=kind.grant_kind(self.connector.kind_config) == REDIRECT,
                                        failed="failed" in self.request.GET, **kwargs)

    def post(self, request, *args, **kwargs):
        form, variables_form = self.form(request.POST), self.variables_form(request.POST)
        if not (form.is_valid() & variables_form.is_valid()):
            return self.render_to_response(self.get_context_data(form=form, variables_form=variables_form), status=400)
        name, scopes = form.cleaned_data.get("name", ""), form.cleaned_data.get("scopes", [])
        values = {**(self.connection.variables if self.connection else {}), **variables_form.values()}
        try:
            if self.connector.kind.grant_kind(self.connector.kind_config) == REDIRECT:
                url = authorization.authorization_begin(
                    session=request.session, connector=self.connector, user=request.user,
                    redirect_uri=callback_uri(request, self.connector), name=name, scopes=scopes,
                    connection=self.connection, variables=values)
                return redirect(url)
            connection = authorization.authorization_direct(connector=self.connector, user=request.user, name=name,
                                                            scopes=scopes, connection=self.connection,
                                                            variables=values)
        except authorization.AuthorizationFailed as error:
            form.add_error(None, str(error))
            return self.render_to_response(self.get_context_data(form=form, variables_form=variables_form),
                                           status=400)
        report_connected(request, connection)
        return redirect(connection)


class OAuthCallbackView(LoginRequiredMixin, View):
    """Where the provider sends the user back. Leaks nothing: no caching, no referrer, a redirect at once."""

    def get(self, request, callback_id):
        connector = get_object_or_404(Connector, callback_id=callback_id)
        try:
            connection = authorization.authorization_complete(
                session=request.session, connector=connector, user=request.user, params=request.GET.dict(),
                redirect_uri=callback_uri(request, connector))
        except authorization.AuthorizationFailed as error:
            messages.error(request, f"{connector.name}: {error}")
            response = redirect(self.try_again_url(request, connector, error))
        else:
            report_connected(request, connection)
            response = redirect(connection)
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response

    @staticmethod
    def try_again_url(request, connector, error):
        """Return the page the authorization started from, offering Try again; the home page when gone."""
        if error.connection_id:
            connection = Connection.objects.for_owner(request.user).filter(pk=error.connection_id).first()
            if connection:
                return f"{reverse('connections:reauthorize', args=[connection.link_name])}?failed=1"
        if connector.is_ready:
            return f"{reverse('connections:add', args=[connector.pk])}?failed=1"
        return reverse("microservices")


class RefreshNowView(OwnConnectionMixin, View):
    def post(self, request, link_name):
        connection = self.get_object()
        try:
            tokens.connection_refresh(connection, user=request.user, force=True)
        except ConnectionUnavailable as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Token refreshed.")
        return redirect(connection)


class DisconnectView(OwnConnectionMixin, View):
    def post(self, request, link_name):
        connection = self.get_object()
        messages.success(request, tokens.connection_revoke(connection, user=request.user))
        return redirect(connection)
