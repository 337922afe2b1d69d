"""Django admin's forms held to the rules of the site's own pages."""

import copy

from django import forms


class PageRulesAdminForm(forms.ModelForm):
    """An admin form that refuses what the site's own pages refuse.

    Every field the admin edits is also checked by each page form (`page_forms`) that edits a
    field of that name, with the same posted value, so the admin cannot save what the builder
    would refuse (a test request URL of file:// or plain http://, a name with odd characters...).
    """

    page_forms = ()

    def clean(self):
        cleaned = super().clean()
        for form_class in self.page_forms:
            shared = [name for name in form_class.base_fields if name in self.fields]
            if not shared:
                continue
            # A copy: the page form's own cleaning writes its values onto the instance it is given.
            page_form = form_class(self.data, instance=copy.copy(self.instance))
            refusals = page_form.errors.as_data()
            for name in shared:
                if name in refusals and name not in self.errors:
                    self.add_error(name, refusals[name])
        return cleaned


class BadRequestOnInvalidAdminMixin:
    """Answer 400 when the admin's change or add form is refused, as the site's own pages do."""

    def changeform_view(self, request, *args, **kwargs):
        response = super().changeform_view(request, *args, **kwargs)
        context = getattr(response, "context_data", None) or {}
        if request.method == "POST" and response.status_code == 200 and context.get("errors"):
            response.status_code = 400
        return response
