"""The API tokens page: create a personal access token (shown once), see them, revoke one."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from .forms import TokenForm
from .models import PersonalAccessToken


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
