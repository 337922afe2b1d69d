"""The account-identity field on the builder's Security page (a builder.sections section)."""

import re

from django import forms

from builder import sections

from .models import IdentityField

MAX_LENGTH = IdentityField._meta.get_field("path").max_length
# What reconnect.identity.dig reads: field names joined by dots, a number for a list position.
FIELD_PATH = re.compile(r"[A-Za-z0-9_$@-]+(\.[A-Za-z0-9_$@-]+)*")
NOT_A_PATH = ("Name a JSON field of the test request's answer, or a path of fields joined by dots (user.email, "
              "data.0.login); letters, digits and _ $ @ - only.")
NO_TEST_REQUEST = "The account is read from the test request's answer: give a test request first, or leave this empty."


def validate_path(path):
    if path.startswith("$"):
        raise forms.ValidationError("Write the path without the leading $: user.email, not $.user.email.",
                                    code="json_path")
    if "[" in path or "]" in path:
        raise forms.ValidationError("Write a list position as a field of its own: data.0.login, not data[0].login.",
                                    code="brackets")
    if not FIELD_PATH.fullmatch(path):
        raise forms.ValidationError(NOT_A_PATH, code="invalid_field_path")


def validate_identity_field(path, connector):
    validate_path(path)
    if not connector.test_url:
        raise forms.ValidationError(NO_TEST_REQUEST, code="no_test_request")


class IdentityFieldForm(sections.SectionForm):
    path = forms.CharField(
        label="Account identity field", required=False, max_length=MAX_LENGTH,
        help_text="The JSON field of the test request's answer that names the provider account (id, user.email, "
                  "data.0.login). A reauthorization that brings another account asks before replacing the "
                  "credentials. Not needed when the provider returns an OpenID Connect ID token.")
    document_schema = {
        "description": "The JSON field of the test request's answer that names the provider account, dotted for "
                       "nested fields and list positions (user.email, data.0.login)",
        "type": "string", "maxLength": MAX_LENGTH,
    }

    @classmethod
    def stored(cls, connector):
        try:
            return {"path": connector.identity_field.path}
        except IdentityField.DoesNotExist:
            return {}

    def clean_path(self):
        path = self.cleaned_data["path"]
        if path:
            validate_identity_field(path, self.connector)
        return path

    def save(self, connector):
        path = self.cleaned_data["path"]
        if path:
            IdentityField.objects.update_or_create(connector=connector, defaults={"path": path})
        else:
            IdentityField.objects.filter(connector=connector).delete()

    @classmethod
    def to_document(cls, connector):
        return cls.stored(connector).get("path")

    @classmethod
    def data_from_document(cls, value):
        return {"path": value}


SECTION = sections.ConnectorSection(key="identity_field", label="Provider account", step="security",
                                    form_class=IdentityFieldForm, related="identity_field")
