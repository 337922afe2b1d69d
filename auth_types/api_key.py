import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from django import forms
from requests.auth import AuthBase

from .base import AuthError, AuthType, ConfigForm, OpenAPIChoice, OpenAPISchemeRefused
from .credentials import CredentialForm, secret_text_field
from .logs import hide_request_paths
from .schema import form_schema
from .validators import parameter_key_validator, parameter_name_validator, printable_validator

PATH = "path"
LOCATIONS = [("query", "Query String"), ("form", "Form Data"), ("header", "Header"), (PATH, "URL Path")]
MAX_PARAMETERS = 20
# A key sent in the URL path names its placeholder: the URL holds {key} where the value goes.
PLACEHOLDER_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# What a path value may keep as is (RFC 3986 pchar without "%"): never "/", "?", "#" or "%",
# so a value cannot add a path segment, a query or a fragment, or spell another character.
PATH_SAFE = "-._~!$&'()*+,;=:@"

# urllib3 logs each request line (the path) at DEBUG; a key in the path must not reach a log.
hide_request_paths("urllib3.connectionpool")


class ParameterForm(forms.Form):
    name = forms.CharField(
        label="Parameter Name", max_length=50, validators=[parameter_name_validator],
        help_text="Shown to the end user when authorizing a connection.",
    )
    key = forms.CharField(
        label="Parameter Key", max_length=100, validators=[parameter_key_validator],
        help_text="The key the service's API documentation names, e.g. api_key or X-API-Key.",
    )
    location = forms.ChoiceField(
        label="Parameter Location", choices=LOCATIONS, initial="header",
        help_text="URL Path: the value replaces {key} in the path of each request's URL, as in "
        "https://api.telegram.org/bot{token}/getMe with the key token.",
    )
    help_text = forms.CharField(
        label="Help Text", required=False, max_length=255, validators=[printable_validator],
        help_text="Optional: shown to the end user under the field, e.g. where to find the key.",
    )

    def clean(self):
        cleaned = super().clean()
        key = cleaned.get("key")
        if cleaned.get("location") == PATH and key and not PLACEHOLDER_KEY.fullmatch(key):
            self.add_error("key", "A key sent in the URL path names its place in the URL ({key}): use letters, "
                                  "digits and _ only, starting with a letter or _.")
        return cleaned


class BaseParameterFormSet(forms.BaseFormSet):
    default_error_messages = {
        **forms.BaseFormSet.default_error_messages,
        "too_few_forms": "Add at least one parameter.",
        "too_many_forms": f"A connector takes at most {MAX_PARAMETERS} parameters.",
    }

    def clean(self):
        """Refuse two rows with one key in one location, or two rows the end user cannot tell apart."""
        keys, names = set(), set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form) or not form.cleaned_data:
                continue
            key, location = form.cleaned_data.get("key"), form.cleaned_data.get("location")
            if key and location:
                # Header names are case-insensitive on the wire; query and form keys are not.
                ident = (location, key.lower() if location == "header" else key)
                if ident in keys:
                    form.add_error("key", f"“{key}” is already used by another parameter in the same location.")
                keys.add(ident)
            name = (form.cleaned_data.get("name") or "").lower()
            if name:
                if name in names:
                    form.add_error("name", "Another parameter already has this name; the end user could not tell "
                                   "them apart.")
                names.add(name)

    def rows(self):
        return [
            {"name": f.cleaned_data["name"], "key": f.cleaned_data["key"], "location": f.cleaned_data["location"],
             **({"help_text": f.cleaned_data["help_text"]} if f.cleaned_data.get("help_text") else {})}
            for f in self.forms
            if f.cleaned_data and not self._should_delete_form(f)
        ]


ParameterFormSet = forms.formset_factory(
    ParameterForm, formset=BaseParameterFormSet, extra=0, min_num=1, validate_min=True,
    max_num=MAX_PARAMETERS, validate_max=True, can_delete=True,
)


class ApiKeyConfigForm(ConfigForm):
    """No fields of its own: one formset of parameter rows."""

    def __init__(self, data=None, files=None, **kwargs):
        super().__init__(data, files, **kwargs)
        stored = [row for row in self.stored_config.get("parameters") or [] if isinstance(row, dict)]
        initial = stored or [{"name": "API Key", "key": "", "location": "header"}]
        self.parameters = ParameterFormSet(data, initial=initial, prefix=self.add_prefix("parameters"))

    @classmethod
    def stored_data(cls, config, secrets):
        rows = (config or {}).get("parameters") or []
        rows = rows if isinstance(rows, list) else []
        prefix = cls(stored_config=config, stored_secrets=secrets).parameters.prefix
        data = {
            **super().stored_data(config, secrets),  # the fields every type has (mutual TLS)
            f"{prefix}-TOTAL_FORMS": str(len(rows)),
            f"{prefix}-INITIAL_FORMS": str(len(rows)),
        }
        for index, row in enumerate(rows):
            # A malformed stored row is validated as an empty one: a problem to report, not a crash.
            for name, value in (row.items() if isinstance(row, dict) else ()):
                data[f"{prefix}-{index}-{name}"] = value
        return data

    def is_valid(self):
        return all([super().is_valid(), self.parameters.is_valid()])

    def error_list(self):
        messages = super().error_list()
        for index, row in enumerate(self.parameters.forms, start=1):
            if self.parameters.can_delete and self.parameters._should_delete_form(row):
                continue  # a removed row's errors no longer matter
            for name, field_errors in row.errors.items():
                field = ParameterForm.base_fields.get(name)
                messages += [f"Parameter {index}, {field.label}: {e}" if field else f"Parameter {index}: {e}"
                             for e in field_errors]
        messages += list(self.parameters.non_form_errors())
        return messages

    def config(self):
        return {**super().config(), "parameters": self.parameters.rows()}


def parameter_rows(config):
    return [row for row in (config or {}).get("parameters") or [] if isinstance(row, dict) and row.get("key")]


def field_name(row):
    """Name a parameter's value by location and key: the same key may be used in two locations."""
    return f"{row.get('location', 'header')}:{row['key']}"


def sent_in(row):
    """Say in plain words where a parameter's value goes."""
    if row.get("location") == PATH:
        return f"Sent in the URL path of each request, in place of {{{row['key']}}}."
    where = {"header": "the {} header", "query": "the query string, as {}=…", "form": "the form body, as {}=…"}
    return f"Sent in {where.get(row.get('location'), where['header']).format(row['key'])} of each request."


class ApiKeyCredentialForm(CredentialForm):
    def add_fields(self, config):
        for row in parameter_rows(config):
            help_text = " ".join(filter(None, [str(row.get("help_text") or "").strip(), sent_in(row)]))
            self.fields[field_name(row)] = secret_text_field(row.get("name") or row["key"], help_text=help_text)
        self.secret_fields = tuple(self.fields)

    @classmethod
    def secret_names(cls, config):
        return [field_name(row) for row in parameter_rows(config)]


FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


class ApiKeyAuth(AuthBase):
    """Send each value under its key in a header, the query string or the form body, or in the URL path."""

    def __init__(self, rows, secrets):
        self.values = []
        for row in rows:
            value = secrets.get(field_name(row))
            if not value:
                raise AuthError(f"The connection has no value for “{row.get('name') or row['key']}”; "
                                   "edit its values.")
            self.values.append((row.get("location", "header"), row["key"], value))
        self.sent_in_path = False

    def __call__(self, request):
        for location, key, value in self.values:
            if location == "header":
                request.headers[key] = value
            elif location == "query":
                request.url = with_query_parameter(request.url, key, value)
            elif location == PATH:
                # A redirect to the same origin is signed again: its Location is the server's own, no placeholder.
                if not (self.sent_in_path and not has_placeholder(request.url, key)):
                    request.url = in_path(request.url, key, value)
            else:
                self._add_form_field(request, key, value)
        self.sent_in_path = self.sent_in_path or any(location == PATH for location, _, _ in self.values)
        return request

    @staticmethod
    def _add_form_field(request, key, value):
        body = request.body or ""
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        content_type = request.headers.get("Content-Type", "")
        if body and not content_type.startswith(FORM_CONTENT_TYPE):
            raise AuthError("This connector sends its API key as form data, which cannot be added to a "
                             f"{content_type or 'raw'} body; send the body as a form.")
        fields = [(k, v) for k, v in parse_qsl(body, keep_blank_values=True) if k != key] + [(key, value)]
        request.headers["Content-Type"] = FORM_CONTENT_TYPE
        request.prepare_body(urlencode(fields), None)

    def __repr__(self):
        return f"<ApiKeyAuth {[(location, key) for location, key, _ in self.values]}>"


def with_query_parameter(url, key, value):
    """Return a prepared url with key=value added to its query string, as requests' prepare_url(url, [(key,
    value)]) would give it, without parsing and quoting the whole URL again."""
    parts = urlsplit(url)
    pair = urlencode([(key, value)])
    return urlunsplit(parts._replace(query=f"{parts.query}&{pair}" if parts.query else pair))


def _placeholder(key):
    # requests percent-encodes the braces when it prepares the URL.
    return re.compile(r"(?:\{|%7[Bb])" + re.escape(key) + r"(?:\}|%7[Dd])")


def has_placeholder(url, key):
    return bool(_placeholder(key).search(urlsplit(url).path))


def in_path(url, key, value):
    """Return url with {key} in its path replaced by value, percent-encoded to stay within one segment.

    Only the path is searched: a value never changes the host, the query or the fragment, and
    never adds a segment ("/", or a whole "." or "..").
    """
    parts = urlsplit(url)
    if not has_placeholder(url, key):
        raise AuthError(f"This connector sends “{key}” in the URL path, but the URL has no {{{key}}} in its path; "
                        "call a URL with that placeholder (the connector's Base URL usually holds it).")
    encoded = quote(value, safe=PATH_SAFE) if value not in (".", "..") else value.replace(".", "%2E")
    return urlunsplit(parts._replace(path=_placeholder(key).sub(lambda _: encoded, parts.path)))


class ApiKey(AuthType):
    key = "api_key"
    name = "API Key"
    description = (
        "The end user enters one value per parameter; each is sent under its Parameter Key in the "
        "query string, the form body or a header, or in the URL path in place of {key}."
    )
    config_form = ApiKeyConfigForm
    config_template = "auth_types/api_key_config.html"

    def summary(self, config, secrets):
        locations = dict(LOCATIONS)
        rows = [row for row in (config or {}).get("parameters") or [] if isinstance(row, dict)]
        return [
            (row.get("name", ""), f"{row.get('key', '')} in {locations.get(row.get('location'), row.get('location'))}")
            for row in rows
        ]

    def config_schema(self):
        # A row states all but its optional help text.
        row = {**form_schema(ParameterForm), "required": [name for name, field in ParameterForm.base_fields.items()
                                                          if field.required]}
        return {"type": "object", "required": ["parameters"], "additionalProperties": False, "properties": {
            **form_schema(self.config_form)["properties"],  # the fields every type has (mutual TLS)
            "parameters": {"type": "array", "minItems": 1, "maxItems": MAX_PARAMETERS, "items": row}}}

    def credential_form(self, config):
        return ApiKeyCredentialForm

    def auth(self, config, secrets, client=None):
        return ApiKeyAuth(parameter_rows(config), secrets)

    def url_placeholders(self, config):
        return [row["key"] for row in parameter_rows(config) if row.get("location") == PATH]

    def sensitive_names(self, config):
        # A path value has no name on the wire; it is masked as a secret value wherever it appears.
        return [row["key"] for row in parameter_rows(config) if row.get("location") != PATH]

    def openapi_choices(self, name, scheme, context):
        if scheme.get("type") != "apiKey":
            return []
        location, parameter = scheme.get("in"), scheme.get("name")
        if location == "cookie":
            raise OpenAPISchemeRefused("cookies are not supported as an API key location")
        if location not in ("header", "query"):
            raise OpenAPISchemeRefused(f"“{str(location)[:20]}” is not a location an API key can be sent in "
                                       "(header or query)")
        if not isinstance(parameter, str) or not parameter:
            raise OpenAPISchemeRefused("it names no parameter for the API key")
        # A short description names the key well ("Your API token"); a long one is prose: the key's name then,
        # and the prose the end user's help text.
        description = context.clean_name(scheme.get("description"), limit=None)
        row = {"name": description, "key": parameter, "location": location}
        if not 0 < len(description) <= 50:
            row["name"] = context.clean_name(name) or "API Key"
            help_text = context.clean_note(scheme.get("description"), 255)
            row.update({"help_text": help_text} if help_text else {})
        config = {"parameters": [row]}
        where = "the query string" if location == "query" else "a header"
        return [OpenAPIChoice(name, f"apiKey in {location}", f"API Key: {parameter} in {where}",
                              auth_type=self.key, config=config)]
