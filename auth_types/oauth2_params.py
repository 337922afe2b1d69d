"""OAuth2 custom parameters (what real providers add to RFC 6749) and the token request's body format.

Authorization parameters go into the authorization request (Google's access_type=offline and
prompt=consent, Auth0's audience, Microsoft's resource); token parameters into every token
request: the code exchange, client credentials and refresh. Names the protocol sets itself
(state, code_verifier, grant_type...) are refused: a row may add to a request, never bend it.
Values are configuration, not secrets: a document carries them and the Security page shows them.

The token body is a form (application/x-www-form-urlencoded) as RFC 6749 says, or JSON for
providers that require it (Square, some Atlassian and Notion endpoints).
"""

from django import forms
from django.core.exceptions import ValidationError

from .validators import parameter_key_validator

MAX_ROWS = 20
MAX_NAME, MAX_VALUE = 100, 1000

AUTHORIZATION_SETS = ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
                      "code_challenge_method")
TOKEN_SETS = ("grant_type", "code", "redirect_uri", "code_verifier", "refresh_token", "client_id",
              "client_secret", "client_assertion", "client_assertion_type", "assertion", "scope")

FORM, JSON = "form", "json"
BODY_FORMATS = [(FORM, "Form (application/x-www-form-urlencoded), as RFC 6749 says"),
                (JSON, "JSON (application/json), for providers that require it")]


class ChoiceWithDefault(forms.ChoiceField):
    """A choice that may be left out (a connector stored before it existed, a short document): it is then
    its initial value, and stored as such."""

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value):
        return super().to_python(value) or self.initial


class ParameterRowsField(forms.Field):
    """Name/value rows, typed one per line as name=value; stored as [{"name", "value"}].

    A document (or the stored config) gives the list itself; the page gives the lines.
    """

    widget = forms.Textarea(attrs={"rows": 2, "placeholder": "name=value, one per line", "class": "font-monospace"})

    def __init__(self, *, set_by_protocol=(), **kwargs):
        self.set_by_protocol = set(set_by_protocol)
        kwargs.setdefault("required", False)
        kwargs.setdefault("initial", [])  # none: a form shows its "Advanced" group closed for them
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):  # a malformed row shows without "=", to be refused as such
            return "\n".join(f"{row['name']}={row['value']}" if isinstance(row, dict) and isinstance(
                row.get("name"), str) and isinstance(row.get("value"), str) else "(malformed row)" for row in value)
        return value

    def to_python(self, value):
        if value in (None, "", []):
            return []
        if isinstance(value, list):
            pairs = [(row.get("name"), row.get("value")) if isinstance(row, dict) else (None, None) for row in value]
            where = [f"Row {number}" for number in range(1, len(pairs) + 1)]
        elif isinstance(value, str):
            lines = [(number, line) for number, line in enumerate(value.splitlines(), start=1) if line.strip()]
            pairs = [self._split(number, line) for number, line in lines]
            where = [f"Line {number}" for number, _ in lines]
        else:
            raise ValidationError("Give name=value lines.", code="invalid")
        return self._rows(pairs, where)

    @staticmethod
    def _split(number, line):
        name, sep, value = line.partition("=")
        if not sep:
            raise ValidationError(f"Line {number}: write one parameter per line as name=value.", code="invalid")
        return name.strip(), value.strip()

    def _rows(self, pairs, where):
        if len(pairs) > MAX_ROWS:
            raise ValidationError(f"Give at most {MAX_ROWS} parameters.", code="too_many")
        rows, errors, seen = [], [], set()
        for (name, value), place in zip(pairs, where):
            problem = self._problem(name, value, seen)
            if problem:
                errors.append(f"{place}: {problem}")
            else:
                seen.add(name)
                rows.append({"name": name, "value": value})
        if errors:
            raise ValidationError(errors)
        return rows

    def _problem(self, name, value, seen):
        if not isinstance(name, str) or not isinstance(value, str):
            return "give a name and a value."
        try:
            parameter_key_validator(name)
        except ValidationError as error:
            return f"“{name[:MAX_NAME]}”: {' '.join(error.messages)}"
        if len(name) > MAX_NAME or len(value) > MAX_VALUE:
            return f"a name has at most {MAX_NAME} characters, a value at most {MAX_VALUE}."
        if not value.isprintable():
            return f"the value of “{name}” holds a character that cannot be sent (a line break or a control)."
        if name in self.set_by_protocol:
            return f"“{name}” is set by the OAuth flow itself and cannot be replaced."
        if name in seen:
            return f"“{name}” is given twice."
        return ""

    def has_changed(self, initial, data):
        try:
            return (initial or []) != self.to_python(data)
        except ValidationError:
            return True

    def json_schema(self):
        """Return the JSON Schema of the stored rows (auth_types.schema asks a field that has one)."""
        row = {"type": "object", "required": ["name", "value"], "additionalProperties": False, "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME},
            "value": {"type": "string", "maxLength": MAX_VALUE}}}
        return {"type": "array", "maxItems": MAX_ROWS, "items": row}

    def display(self, value):
        """Return the rows as the Security summary shows them."""
        return ", ".join(f"{row['name']}={row['value']}" for row in value or [] if isinstance(row, dict)) or "(none)"


def rows(config, name):
    """Return the stored rows of `name` as (name, value) pairs; malformed rows are left out."""
    stored = config.get(name) if isinstance(config, dict) else None
    return [(row["name"], row["value"]) for row in stored or [] if isinstance(row, dict)
            and isinstance(row.get("name"), str) and isinstance(row.get("value"), str) and row["name"]]


def authorization_params(config):
    return rows(config, "authorization_params")


def token_params(config):
    return rows(config, "token_params")


def json_body(config):
    """Return whether the connector's token-type requests send a JSON body instead of a form."""
    return config.get("token_body") == JSON
