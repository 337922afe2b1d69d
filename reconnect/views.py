from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from connections import authorization
from connections.oauth_views import report_connected

from .identity import remember


@method_decorator(never_cache, name="dispatch")
class ConfirmAccountView(LoginRequiredMixin, View):
    """Reauthorized with another provider account: replace the credentials, or keep the current ones."""

    def held(self, request, link_name, token):
        pending = authorization.held(request.session, token, request.user)
        if pending is None or pending.connection is None or pending.connection.link_name != link_name:
            raise Http404("This confirmation is unknown, expired or already used.")
        return pending

    def get(self, request, link_name, token):
        pending = self.held(request, link_name, token)
        return render(request, "reconnect/confirm.html", {"connection": pending.connection,
                                                          "details": pending.flow["details"]})

    def post(self, request, link_name, token):
        pending = self.held(request, link_name, token)
        details, replace = pending.flow["details"], request.POST.get("choice") == "replace"
        try:
            connection = authorization.confirm_held(session=request.session, token=token, user=request.user,
                                                    replace=replace)
        except authorization.AuthorizationFailed as error:
            messages.error(request, str(error))
            return redirect(pending.connection)
        if replace:
            remember(connection, (details["source"], details["new"]))
            report_connected(request, connection)
        else:
            messages.info(request, f"Kept the credentials of {details['previous']}; nothing was changed.")
        return redirect(connection)
