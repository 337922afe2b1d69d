"""Import from OpenAPI: upload or paste a document, choose one of its security schemes, get a Draft."""

import json

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views import View

from .. import openapi
from ..documents import DocumentInvalid, import_document
from .mixins import BuilderRequiredMixin, DocumentBodyMixin

TEMPLATE = "builder/openapi_import.html"


def without_crlf(text):
    """Return posted text with the browser's CRLF line breaks turned back into the document's LF."""
    return text.replace("\r\n", "\n")


class UploadForm(forms.Form):
    """Step 1: the document, as a file or as pasted text; clean() reads it and lists its schemes."""

    file = forms.FileField(label="OpenAPI document", required=False,
                           help_text="An OpenAPI 3.x or Swagger 2.0 document, JSON or YAML, at most 5 MB.")
    text = forms.CharField(label="Or paste the document", required=False, strip=False,
                           widget=forms.Textarea(attrs={"rows": 10, "class": "font-monospace", "spellcheck": "false"}))

    def __init__(self, *args, refusal="", **kwargs):
        super().__init__(*args, **kwargs)
        self.refusal = refusal  # why the request was refused before its fields were read

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        # Checked before anything is read: the size is known from the upload itself.
        if upload and upload.size > openapi.MAX_DOCUMENT_BYTES:
            raise forms.ValidationError(openapi.too_large_message())
        return upload

    def clean(self):
        cleaned = super().clean()
        if self.refusal:
            self.add_error("file", self.refusal)
            return cleaned
        upload, text = cleaned.get("file"), cleaned.get("text") or ""
        if "file" in self.errors:
            return cleaned
        if upload and text.strip():
            self.add_error("text", "Upload a file or paste a document, not both.")
        elif not upload and not text.strip():
            self.add_error("file", "Upload an OpenAPI document or paste it below.")
        else:
            field, raw = ("file", upload.read()) if upload else ("text", without_crlf(text))
            try:
                cleaned["spec"] = openapi.parse_openapi(raw)
                cleaned["schemes"] = openapi.security_schemes(cleaned["spec"])
                openapi.choose_scheme(cleaned["schemes"], None)
            except openapi.SchemeChoiceError as error:
                if not error.choices:  # none to choose from; several go on to step 2
                    self.add_error(field, str(error))
            except openapi.DocumentRefused as error:
                self.add_error(field, str(error))
        return cleaned


class SchemeForm(forms.Form):
    """Step 2: the document's essentials (the page carries them: nothing is kept on the server) and a scheme."""

    document = forms.CharField(widget=forms.HiddenInput, strip=False)
    scheme = forms.ChoiceField(label="Security scheme", widget=forms.RadioSelect, error_messages={
        "required": "Choose the security scheme to import.",
        "invalid_choice": "Choose one of the document's security schemes.",
    })

    def __init__(self, *args, schemes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.schemes = list(schemes)
        self.fields["scheme"].choices = [(scheme.name, scheme.name) for scheme in self.schemes]

    def clean_scheme(self):
        """Return the chosen Scheme; a refused one is named with its reason."""
        try:
            return openapi.choose_scheme(self.schemes, self.cleaned_data["scheme"])
        except openapi.SchemeChoiceError as error:
            raise forms.ValidationError(str(error)) from None


class OpenAPIImportView(BuilderRequiredMixin, DocumentBodyMixin, View):
    """Import from OpenAPI: two steps, then the new Draft connector's General page."""

    max_document_bytes = openapi.MAX_DOCUMENT_BYTES

    def get(self, request):
        return self.page(upload_form=UploadForm())

    def body_too_large(self):
        return self.refused(openapi.too_large_message())

    def post(self, request):
        if "document" in request.POST:
            return self.create(request)
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(upload_form=form, schemes=form.cleaned_data.get("schemes"), status=400)
        spec, schemes = form.cleaned_data["spec"], form.cleaned_data["schemes"]
        importable = [scheme.name for scheme in schemes if scheme.importable]
        document = json.dumps(openapi.essentials(spec))
        initial = {"document": document, "scheme": importable[0] if len(importable) == 1 else None}
        scheme_form = SchemeForm(initial=initial, schemes=schemes)
        return self.page(scheme_form=scheme_form, schemes=schemes, title=openapi.document_title(spec),
                         server_warnings=openapi.server_warnings(spec))

    def create(self, request):
        try:
            spec = openapi.parse_openapi(request.POST["document"])
            schemes = openapi.security_schemes(spec)
        except openapi.DocumentRefused as error:
            return self.refused(str(error))
        form = SchemeForm(request.POST, schemes=schemes)
        if form.is_valid():
            try:
                document = openapi.document_for(spec, form.cleaned_data["scheme"])
                connector = import_document(document, user=request.user)
            except DocumentInvalid as error:
                for path, message in error.problems:
                    form.add_error(None, f"{path}: {message}")
            else:
                completes = connector.kind.installation_text
                messages.success(request, f"Imported “{connector.name}” from the OpenAPI document as a Draft. "
                                 "Complete its Security section" + (f" (your own {completes})." if completes else "."))
                for warning in openapi.import_warnings(spec, form.cleaned_data["scheme"]):
                    messages.warning(request, warning)
                return redirect("builder:general", connector.pk)
        return self.page(scheme_form=form, schemes=schemes, title=openapi.document_title(spec), status=400,
                         server_warnings=openapi.server_warnings(spec))

    def refused(self, message):
        """Answer 400 with step 1's form and `message` next to its file field."""
        form = UploadForm({}, refusal=message)
        form.is_valid()
        return self.page(upload_form=form, status=400)

    def page(self, *, status=200, **context):
        return render(self.request, TEMPLATE, context, status=status)
