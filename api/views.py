"""The API tokens page: create a personal access token (shown once), see them, revoke one."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from .forms import TokenForm
from .models import ConnectLink, PersonalAccessToken


@method_decorator(never_cache, name="dispatch")
class TokenListView(LoginRequiredMixin, TemplateView):
    template_name = "api/token_list.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", TokenForm(user=self.request.user))
        tokens = PersonalAccessToken.objects.filter(user=self.request.user)
        return super().get_context_data(tokens=tokens, **kwargs)

    def post(self, request):
        form = TokenForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        token, text = form.save()
        # Rendered, not redirected: the token text is shown in this answer only, never stored.
        return self.render_to_response(self.get_context_data(created=token, created_text=text), status=201)


class TokenRevokeView(LoginRequiredMixin, View):
    def post(self, request, pk):
        token = get_object_or_404(PersonalAccessToken, pk=pk, user=request.user)
        token.revoke()
        messages.success(request, f"The token {token.name} is revoked: programs using it are refused from now on.")
        return redirect("api:tokens")


@method_decorator(never_cache, name="dispatch")
class ConnectLinkView(LoginRequiredMixin, View):
    """A connect link opened: the first signed-in user claims it and goes to the connector's Add Connection."""

    def get(self, request, secret):
        link = ConnectLink.find(secret)
        problem = self.problem(link, request.user)
        if problem:
            return render(request, "api/connect_link.html", {"problem": problem}, status=410 if link else 404)
        if link.opened_by_id is None:
            with transaction.atomic():
                claimed = ConnectLink.objects.filter(pk=link.pk, opened_by__isnull=True).update(
                    opened_by=request.user, opened_at=timezone.now())
            if not claimed:  # another user claimed it meanwhile
                return render(request, "api/connect_link.html", {"problem": self.USED}, status=410)
        response = redirect(reverse("connections:add", args=[link.connector_id]))
        response["Referrer-Policy"] = "no-referrer"  # the link's secret is in this page's URL
        return response

    USED = "This connect link has been used already. Ask for a new one."

    def problem(self, link, user):
        if link is None:
            return "This connect link does not exist. Check that you copied all of it."
        if link.opened_by_id not in (None, user.pk) or link.result() == ConnectLink.Status.CONNECTED:
            return self.USED
        if link.is_expired:
            return "This connect link has expired (they last 30 minutes). Ask for a new one."
        if not link.connector.is_ready:
            return "This connector is no longer available."
        return ""
