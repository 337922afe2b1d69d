"""The two-factor pages: set up or turn off an authenticator, and give the code after the password."""

from base64 import b32encode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, resolve_url
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, TemplateView
from django_otp import login as otp_login

from .forms import CodeForm
from .models import Authenticator
from .two_factor import confirmed_device, must_use_two_factor, two_factor_state


def next_url(request, default):
    """Return the posted or queried `next` when it is a path on this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(default)


@method_decorator([never_cache, sensitive_post_parameters()], name="dispatch")
class TwoFactorVerifyView(LoginRequiredMixin, FormView):
    """After the password: the code from the user's authenticator."""

    template_name = "accounts/two_factor_verify.html"
    form_class = CodeForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.device = confirmed_device(request.user)
        if self.device is None or request.user.is_verified():
            return redirect(next_url(request, settings.LOGIN_REDIRECT_URL))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "device": self.device}

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=next_url(self.request, settings.LOGIN_REDIRECT_URL), **kwargs)

    def form_valid(self, form):
        otp_login(self.request, self.device)
        return redirect(next_url(self.request, settings.LOGIN_REDIRECT_URL))

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


@method_decorator([never_cache, sensitive_post_parameters()], name="dispatch")
class TwoFactorView(LoginRequiredMixin, TemplateView):
    """Two-factor authentication: set up an authenticator app (a QR code), or turn it off."""

    template_name = "accounts/two_factor.html"

    def pending_device(self):
        device = Authenticator.objects.filter(user=self.request.user, confirmed=False).first()
        return device if device is not None and device.readable else None  # else set up again from the start

    def get_context_data(self, **kwargs):
        user = self.request.user
        pending = self.pending_device()
        if pending is not None and "setup" not in kwargs:
            # The key is shown while it is being set up, never once it is confirmed.
            kwargs["setup"] = {
                "qr": segno.make(pending.config_url, error="m").svg_data_uri(scale=5, border=2),
                "key": " ".join(b32encode(pending.bin_key).decode()[i:i + 4] for i in range(0, 32, 4)),
            }
        kwargs.setdefault("form", CodeForm(device=pending or confirmed_device(user)))
        return super().get_context_data(
            device=confirmed_device(user), required=must_use_two_factor(user),
            next=next_url(self.request, "microservices"), **kwargs)

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action == "begin" and confirmed_device(request.user) is None:
            Authenticator.objects.filter(user=request.user, confirmed=False).delete()
            Authenticator.objects.create(user=request.user, name="Authenticator app", confirmed=False)
        elif action == "confirm" and self.pending_device() is not None:
            return self.confirm(request)
        elif action == "turn_off" and confirmed_device(request.user) is not None:
            return self.turn_off(request)
        return redirect(request.get_full_path())

    def confirm(self, request):
        device = self.pending_device()
        form = CodeForm(request.POST, device=device)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        otp_login(request, device)
        two_factor_state(request, refresh=True)
        messages.success(request, "Two-factor authentication is on: you will be asked for a code after your "
                                  "password.")
        return redirect(next_url(request, "accounts:two_factor"))

    def turn_off(self, request):
        if must_use_two_factor(request.user):
            messages.error(request, "Two-factor authentication is required for staff and connector builders.")
            return self.render_to_response(self.get_context_data(), status=403)
        form = CodeForm(request.POST, device=confirmed_device(request.user))
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        Authenticator.objects.filter(user=request.user).delete()
        two_factor_state(request, refresh=True)
        messages.success(request, "Two-factor authentication is off.")
        return redirect("accounts:two_factor")
