"""The admin site: Django's, refusing bulk actions on selections that are not the model's ids.

Django's admin filters a changelist's objects by the ids a bulk action posts (`_selected_action`) as they
come, so a value that is not one of the model's ids (`abc`, or a number past the database's integers) fails
inside the query: a 500. A browser only ever posts the checkboxes' own values; anything else is answered
400 here, before the action runs, on every model's changelist (third-party apps' included, as they
register on this site).
"""

from functools import wraps

from django.contrib import admin
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest

REFUSAL = "The selection holds a value that is not an id of this list's items. Nothing was changed."


class AdminSite(admin.AdminSite):
    """Django's admin site (connectors_site.apps.AdminConfig makes it `admin.site`)."""

    def admin_view(self, view, cacheable=False):
        model_admin = getattr(view, "__self__", None)  # a ModelAdmin's own views are its bound methods
        if isinstance(model_admin, admin.ModelAdmin):
            view = _refusing_odd_selections(view, model_admin.model)
        return super().admin_view(view, cacheable)  # sign-in, permission and CSRF checks come first


def _refusing_odd_selections(view, model):
    @wraps(view)
    def checked(request, *args, **kwargs):
        if request.method == "POST" and not all(
                _is_id(model, value) for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)):
            return HttpResponseBadRequest(REFUSAL, content_type="text/plain; charset=utf-8")
        return view(request, *args, **kwargs)
    return checked


def _is_id(model, value):
    """Whether `value` can be one of the model's ids: its type, and the database's range for a number."""
    pk = model._meta.pk
    try:
        pk.run_validators(pk.to_python(value))
    except ValidationError:
        return False
    return True
