import json as jsonlib

from django import forms

from auth_types import variables

from .models import Connection

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
BODY_TYPES = [("none", "No body"), ("json", "JSON"), ("form", "Form")]


class ConnectionNameForm(forms.ModelForm):
    class Meta:
        model = Connection
        fields = ["name"]
        help_texts = {"name": "A name you will recognise, e.g. “Sales team Zendesk”."}


def parse_pairs(text, separator, label):
    """Parse lines of `key<sep>value` into a list of pairs; raise ValidationError naming the line."""
    pairs = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition(separator)
        if not sep or not key.strip():
            raise forms.ValidationError(f"Line {number}: write one {label} per line as “name{separator}value”.")
        pairs.append((key.strip(), value.strip()))
    return pairs


class ConsoleForm(forms.Form):
    """The request console: a request to send through the connection."""

    method = forms.ChoiceField(choices=[(m, m) for m in METHODS], initial="GET")
    url = forms.CharField(label="URL", max_length=2000,
                          help_text="A full URL, or a path relative to the connector's Base URL.",
                          widget=forms.TextInput(attrs={"placeholder": "/v1/... or https://api.example.com/v1/...",
                                                         "class": "font-monospace"}))
    params = forms.CharField(label="Query parameters", required=False,
                             widget=forms.Textarea(attrs={"rows": 2, "placeholder": "name=value, one per line"}))
    headers = forms.CharField(required=False,
                              widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Name: value, one per line"}))
    body_type = forms.ChoiceField(label="Body type", choices=BODY_TYPES, initial="none")
    body = forms.CharField(required=False, widget=forms.Textarea(
        attrs={"rows": 4, "placeholder": '{"key": "value"} for JSON, or name=value lines for a form'}))

    def clean_url(self):
        url = self.cleaned_data["url"].strip()
        if "://" in url:
            forms.URLField(assume_scheme="https").clean(url)  # the checks of a URL field
        elif any(char.isspace() for char in url) or not url.isprintable():
            raise forms.ValidationError("Give a URL (https://...) or a path without spaces (/v1/me).")
        return url

    def clean_params(self):
        return parse_pairs(self.cleaned_data["params"], "=", "parameter")

    def clean_headers(self):
        headers = parse_pairs(self.cleaned_data["headers"], ":", "header")
        for name, value in headers:
            try:
                name.encode("ascii"), value.encode("latin-1")
            except UnicodeEncodeError:
                raise forms.ValidationError(
                    f"Header “{name}”: HTTP headers hold Latin-1 text only; percent-encode other characters."
                ) from None
        return headers

    def clean(self):
        cleaned = super().clean()
        body_type, body = cleaned.get("body_type"), cleaned.get("body", "")
        if body_type == "json":
            try:
                cleaned["json"] = jsonlib.loads(body or "null")
            except ValueError as error:
                self.add_error("body", f"This is not valid JSON: {error}.")
            except RecursionError:
                self.add_error("body", "This JSON is nested too deeply.")
        elif body_type == "form":
            try:
                cleaned["data"] = parse_pairs(body, "=", "form field")
            except forms.ValidationError as error:
                self.add_error("body", error)
        elif body.strip():
            self.add_error("body_type", "Choose JSON or Form to send a body.")
        return cleaned

    def request_kwargs(self):
        cleaned = self.cleaned_data
        return {
            "params": cleaned["params"] or None,
            "headers": dict(cleaned["headers"]) or None,
            "json": cleaned.get("json"),
            "data": cleaned.get("data"),
        }


class VariablesForm(forms.Form):
    """The connector's connection variables the end user gives ({shop}), checked as auth_types.variables says."""

    def __init__(self, data=None, *, connector, values=None, **kwargs):
        super().__init__(data, initial=dict(values or {}), prefix="var", **kwargs)
        self.definitions = {definition["name"]: definition for definition in variables.prompted(connector.variables)}
        for name, definition in self.definitions.items():
            help_text = definition.get("help") or ""
            if definition["kind"] == variables.CHOICE:
                field = forms.ChoiceField(label=definition["label"], help_text=help_text,
                                          choices=[("", "---------")] + [(c, c) for c in definition["choices"]])
            else:
                field = forms.CharField(label=definition["label"], max_length=63, help_text=" ".join(filter(None, [
                    help_text, "Letters, digits and hyphens (a DNS label): it becomes part of the service's "
                    "addresses."])))
            self.fields[name] = field

    def clean(self):
        cleaned = super().clean()
        for name, definition in self.definitions.items():
            if name in cleaned and cleaned[name]:
                try:
                    cleaned[name] = variables.clean_value(definition, cleaned[name])
                except variables.VariableProblem as error:
                    # Shown beside the field (and in the summary under its label): without the label again.
                    message = str(error).removeprefix(f"{definition['label']}: ")
                    self.add_error(name, message[:1].upper() + message[1:])
        return cleaned

    def values(self):
        return {name: self.cleaned_data[name] for name in self.definitions}
