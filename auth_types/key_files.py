"""Key and certificate files in a type's forms: uploaded as a file, or pasted as text under the same name.

A KeyFileField renders a file input that never shows a value (stored secrets stay stored: left
empty, the stored file is kept). What arrives, a file (multipart form) or text (a pasted value,
a test client, a stored value re-validated), goes through the field's `parse`, which returns the
text to store or raises ValidationError with a message fit to show beside the field.
"""

from django import forms
from django.core.files.uploadedfile import UploadedFile

MAX_KEY_FILE_BYTES = 64 * 1024


class KeyFileInput(forms.FileInput):
    """A file input that also takes the value as posted text (the same name), and never renders one."""

    def value_from_datadict(self, data, files, name):
        upload = files.get(name) if files else None
        return upload if upload else data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return name not in (files or {}) and name not in data


class KeyFileField(forms.Field):
    """A secret file (a key, a certificate): read, checked by `parse` and stored as text.

    `parse(text) -> text to store` raises ValidationError for what cannot be used.
    """

    widget = KeyFileInput

    def __init__(self, *, parse, accept="", max_bytes=MAX_KEY_FILE_BYTES, **kwargs):
        self.parse, self.max_bytes = parse, max_bytes
        self.max_length = max_bytes  # characters of pasted text; the schema and the tests read it
        super().__init__(**kwargs)
        if accept:
            self.widget.attrs["accept"] = accept

    def to_python(self, value):
        if isinstance(value, UploadedFile):
            if value.size is not None and value.size > self.max_bytes:
                raise forms.ValidationError(self._too_large(), code="too_large")
            data = value.read(self.max_bytes + 1)
            if len(data) > self.max_bytes:
                raise forms.ValidationError(self._too_large(), code="too_large")
            try:
                value = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError("This file is not text (PEM or JSON): choose the key file itself.",
                                            code="not_text") from None
        if value in self.empty_values:
            return ""
        if not isinstance(value, str):
            raise forms.ValidationError("Choose a file.", code="invalid")
        if len(value) > self.max_bytes:
            raise forms.ValidationError(self._too_large(), code="too_large")
        return value.strip()

    def clean(self, value):
        value = super().clean(value)
        return self.parse(value) if value else value

    def _too_large(self):
        return f"This file is larger than {self.max_bytes // 1024} KB: no key file is that large."
