"""Export a connector as a JSON document; import one (a file or pasted text) as a new Draft."""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView

from ..documents import (
    MAX_DOCUMENT_BYTES, DocumentInvalid, NotExportable, connector_document, document_json, export_filename,
    import_document,
)
from ..models import Connector
from .mixins import BuilderRequiredMixin, DocumentBodyMixin

TOO_LARGE = "The file is larger than 1 MB, the limit for a connector document."
BODY_TOO_LARGE = ("The document is larger than 1 MB, the limit for a connector document, so it was not read; "
                  "paste or upload a smaller one.")


class ConnectorExportView(BuilderRequiredMixin, View):
    """Download the connector as a JSON document (no secrets are ever in it)."""

    def get(self, request, pk):
        connector = get_object_or_404(Connector, pk=pk)
        try:
            text = document_json(connector_document(connector))
        except NotExportable as error:
            messages.error(request, str(error))
            return redirect("builder:security", connector.pk)
        response = HttpResponse(text, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{export_filename(connector)}"'
        response["Cache-Control"] = "no-store"
        return response


class ConnectorImportForm(forms.Form):
    file = forms.FileField(
        label="Connector document", required=False,
        help_text="A .json file exported from this application (at most 1 MB).",
        widget=forms.ClearableFileInput(attrs={"accept": "application/json,.json"}),
    )
    text = forms.CharField(
        label="Or paste the JSON", required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "class": "font-monospace", "spellcheck": "false"}),
    )

    def __init__(self, *args, refusal="", **kwargs):
        super().__init__(*args, **kwargs)
        self.refusal = refusal  # why the request was refused before its fields were read

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > MAX_DOCUMENT_BYTES:  # refused before it is read
            raise forms.ValidationError(TOO_LARGE, code="too_large")
        return upload

    def clean(self):
        cleaned = super().clean()
        if self.refusal:
            self.add_error("text", self.refusal)
            return cleaned
        has_file, has_text = bool(cleaned.get("file")), bool((cleaned.get("text") or "").strip())
        if not self.errors and has_file == has_text:
            message = ("Upload a file or paste the JSON, not both." if has_file
                       else "Upload a connector document or paste its JSON.")
            raise forms.ValidationError(message, code="one_source")
        return cleaned

    def document(self):
        """Return the submitted document: the file's bytes (never more than the limit + 1) or the text."""
        upload = self.cleaned_data.get("file")
        if upload:
            upload.seek(0)
            return upload.read(MAX_DOCUMENT_BYTES + 1)
        return self.cleaned_data["text"]


@method_decorator(sensitive_post_parameters("text"), name="dispatch")
class ConnectorImportView(BuilderRequiredMixin, DocumentBodyMixin, FormView):
    """Import a connector document as a new Draft; refused documents list each problem by JSON path."""

    form_class = ConnectorImportForm
    template_name = "builder/connector_import.html"
    max_document_bytes = MAX_DOCUMENT_BYTES

    def body_too_large(self):
        form = ConnectorImportForm({}, refusal=BODY_TOO_LARGE)
        form.is_valid()
        return self.form_invalid(form)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def form_valid(self, form):
        try:
            connector = import_document(form.document(), user=self.request.user)
        except DocumentInvalid as error:
            if error.mentions_secret:
                # The pasted text holds a secret: never send it back in the page.
                form = ConnectorImportForm()
            return self.render_to_response(self.get_context_data(form=form, problems=error.problems), status=400)
        messages.success(self.request, f"“{connector.name}” was imported as a Draft. Enter its secrets in "
                                       "Security, then Mark as Ready.")
        return redirect("builder:general", connector.pk)
