from django import forms
from django.core.exceptions import ValidationError

from auth_types import registry, variables
from auth_types.validators import ServiceURLField, validate_service_url

from . import api_origins
from .logo import logo_thumbnail
from .models import Connector, Scope, ScopeDelimiter


class ConnectorCreateForm(forms.ModelForm):
    """Create New Custom Connector: name and description; the link name is derived."""

    class Meta:
        model = Connector
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3, "maxlength": 255})}
        labels = {"description": "Description (Optional)"}
        help_texts = {
            "name": "At most 50 characters: letters, digits, spaces and * _ - @ / ! : | & ~ \\ +; "
            "starts with a letter, a digit or _.",
            "description": "At most 255 characters: letters, digits, spaces and , . ( ) - _ * @ / \\ ! : | ~ &",
        }



class GeneralForm(forms.ModelForm):
    logo_file = forms.FileField(
        label="Logo", required=False,
        help_text="PNG, JPEG or WebP, at most 1 MB and 4096×4096 pixels; shown as a square.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    remove_logo = forms.BooleanField(label="Remove the current logo", required=False)

    class Meta:
        model = Connector
        fields = ["name", "link_name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3, "maxlength": 255})}
        help_texts = ConnectorCreateForm.Meta.help_texts | {
            "link_name": "Used in URLs and scripts: lowercase letters, digits and _, starting with a letter.",
        }

    def clean_logo_file(self):
        upload = self.cleaned_data.get("logo_file")
        if not upload:
            return None
        try:
            return logo_thumbnail(upload)
        except ValidationError as error:
            raise ValidationError(error.messages, code=getattr(error, "code", None)) from None

    def save(self, commit=True):
        connector = super().save(commit=False)
        if self.cleaned_data.get("logo_file"):
            connector.set_logo(self.cleaned_data["logo_file"])
        elif self.cleaned_data.get("remove_logo"):
            connector.set_logo(None)
        if commit:
            connector.save()
        return connector

    def changed_fields(self):
        changed = [name for name in self.changed_data if name in self.Meta.fields]
        if self.cleaned_data.get("logo_file") or self.cleaned_data.get("remove_logo"):
            changed.append("logo")
        return changed


class AuthTypeChoiceForm(forms.Form):
    auth_type = forms.ChoiceField(
        label="Authentication Type", choices=registry.choices,
        widget=forms.RadioSelect(attrs={"class": "btn-check", "autocomplete": "off"}),
        error_messages={"required": "Choose an Authentication Type."},
    )

    def __init__(self, *args, connector, **kwargs):
        self.connector = connector
        super().__init__(*args, **kwargs)

    def clean_auth_type(self):
        chosen = self.cleaned_data["auth_type"]
        in_use = self.connector.connections.count() if self.connector.auth_type else 0
        if chosen != self.connector.auth_type and in_use:
            raise ValidationError(
                f"{in_use} connection{'s' if in_use != 1 else ''} use{'' if in_use != 1 else 's'} this connector's "
                f"{self.connector.kind.name} settings; they would stop working. Delete them first, or build a new "
                "connector for the other type.", code="type_in_use")
        return chosen


class OriginsField(forms.CharField):
    """API origins, one per line, as a list; each checked and normalised (builder.api_origins)."""

    widget = forms.Textarea(attrs={"rows": 2, "placeholder": "https://uploads.example.com"})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        lines = [line.strip() for line in (value or "").splitlines() if line.strip()]
        if len(lines) > api_origins.MAX_ORIGINS:
            raise ValidationError(f"List at most {api_origins.MAX_ORIGINS} origins.")
        errors, origins = [], []
        for line in lines:
            try:
                origins.append(api_origins.clean_origin(line))
            except ValidationError as error:
                errors += error.messages
        if errors:
            raise ValidationError(errors)
        return list(dict.fromkeys(origins))

    def has_changed(self, initial, data):
        return (initial or []) != self.to_python(data)


class VariablesField(forms.CharField):
    """Connection variables, one per line (auth_types.variables.LINE_HELP), as a list of definitions."""

    widget = forms.Textarea(attrs={"rows": 2, "class": "font-monospace",
                                   "placeholder": "shop | Shop name | dns | The part before .myshopify.com"})

    def prepare_value(self, value):
        return variables.format_lines(value) if isinstance(value, list) else value

    def to_python(self, value):
        if isinstance(value, list):  # a document gives the list itself
            return variables.clean_definitions(value)
        return variables.parse_lines(value or "")

    def has_changed(self, initial, data):
        try:
            return (initial or []) != self.to_python(data)
        except ValidationError:
            return True


class ApiSettingsForm(forms.ModelForm):
    """The connector's settings about its API itself: where it lives (and so where credentials may go),
    the test request, the expiry signals."""

    base_url = ServiceURLField(
        label="Base URL", required=False,
        help_text="Where the API lives, for example https://api.example.com/v1. Requests may then give a path "
        "relative to it, and the connection's credentials are sent only to its origin and the hosts below. "
        "Left empty, the test request's origin is used.",
    )
    api_origins = OriginsField(
        label="Other API hosts", required=False,
        help_text="Optional, one per line: further origins that may receive the credentials, such as "
        "https://uploads.example.com or https://*.example.com (any subdomain).",
    )
    variables = VariablesField(
        label="Connection variables", required=False, help_text=variables.LINE_HELP + " Each end user gives the "
        "values at Add Connection; a value never makes a URL point at another host than its template says.",
    )
    test_url = forms.CharField(
        label="Test request URL", required=False, max_length=2000,
        help_text="Optional: a request made right after a connection is authorized, to check it works: a URL "
        "(https://api.example.com/v1/me) or a path relative to the Base URL (/me).",
    )

    class Meta:
        model = Connector
        fields = ["base_url", "api_origins", "other_hosts", "variables", "test_method", "test_url", "expiry_statuses",
                  "expiry_body_field", "expiry_body_value"]
        widgets = {"other_hosts": forms.RadioSelect}
        labels = {"test_method": "Test request method", "expiry_statuses": "Status codes",
                  "expiry_body_field": "Body field", "expiry_body_value": "Body value"}
        help_texts = {
            "other_hosts": "A request through a connection to a URL elsewhere.",
            "expiry_statuses": "Answers with these codes mean the token expired or was revoked: a refreshable token "
            "is refreshed and the call retried once; otherwise the connection needs to be reauthorized.",
            "expiry_body_field": "Optional, for APIs that answer 200 with an error body: a JSON field (a path such as "
            "error.code) ...",
            "expiry_body_value": "... and the value that means the token expired (for example token_expired).",
        }

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        for name in ("expiry_statuses", "other_hosts"):
            name = self.add_prefix(name)
            if data is not None and name not in data:
                # Not posted at all (a script, an older page): keep what is stored rather than clearing it.
                self.data = self.data.copy()
                self.data[name] = getattr(self.instance, name.rpartition("-")[2])

    def clean_test_url(self):
        url = self.cleaned_data["test_url"].strip()
        if "://" in url:
            validate_service_url(url)
        elif url and (any(char.isspace() for char in url) or not url.isprintable()):
            raise ValidationError("Give a URL (https://...) or a path without spaces (/v1/me).")
        return url

    def clean(self):
        cleaned = super().clean()
        field, value = cleaned.get("expiry_body_field"), cleaned.get("expiry_body_value")
        if field and not value:
            self.add_error("expiry_body_value", "Give the value that means the token expired.")
        elif value and not field and "expiry_body_field" not in self.errors:
            self.add_error("expiry_body_field", "Name the JSON field that holds this value.")
        elif not field and cleaned.get("expiry_statuses") == "":
            self.add_error("expiry_statuses", "Choose a status code, or give a body field and value: otherwise no "
                                              "answer would ever count as an expired token.")
        self._clean_where(cleaned)
        return cleaned

    def _clean_where(self, cleaned):
        """Fill the Base URL from an absolute test request; refuse a test request off the API origins."""
        test_url, base_url = cleaned.get("test_url"), cleaned.get("base_url")
        if "test_url" in self.errors or "base_url" in self.errors or "api_origins" in self.errors:
            return
        if test_url and "://" not in test_url:
            if not base_url:
                self.add_error("test_url", "A path needs a Base URL to be relative to; or give a full URL.")
            return
        if test_url and not base_url:
            cleaned["base_url"] = base_url = api_origins.origin(test_url)
        probe = Connector(base_url=base_url or "", api_origins=cleaned.get("api_origins") or [])
        if test_url and not api_origins.is_api_url(probe, test_url):
            self.add_error("test_url", "The test request goes to another origin than the Base URL and the other "
                                       "API hosts: the connection's credentials would not be sent there.")


TestRequestForm = ApiSettingsForm  # the name it had while it held only the test request


def security_form(connector, auth_type, data=None, files=None):
    """Return `auth_type`'s ConfigForm for the Security page (bound to `data` and `files` when given),
    holding the stored values when it is the connector's own type."""
    own = auth_type.key == connector.auth_type
    return auth_type.config_form(
        data, files, prefix=auth_type.key,
        stored_config=connector.config if own else None,
        stored_secrets=connector.secrets if own else None,
    )


class ScopeForm(forms.ModelForm):
    class Meta:
        model = Scope
        fields = ["name", "value"]

    def __init__(self, *args, connector, **kwargs):
        self.connector = connector
        super().__init__(*args, **kwargs)

    def clean_value(self):
        value = self.cleaned_data["value"].strip()
        if any(ch.isspace() for ch in value) or not value.isprintable():
            raise ValidationError("A scope value has no spaces.")
        if self.connector.scope_delimiter in value:
            raise ValidationError(
                f"A scope value cannot contain the scope delimiter "
                f"({ScopeDelimiter(self.connector.scope_delimiter).label})."
            )
        problem = variables.scope_placeholder_problem(value, self.connector.variables)
        if problem:
            raise ValidationError(problem)
        # A connector not saved yet (Django admin's add page) has no stored scopes to clash with.
        others = self.connector.scopes.exclude(pk=self.instance.pk) if self.connector.pk else Scope.objects.none()
        if others.filter(value=value).exists():
            raise ValidationError("This connector already has a scope with this value.")
        return value


class BaseScopeFormSet(forms.BaseFormSet):
    def clean(self):
        seen = set()
        for form in self.forms:
            value = getattr(form, "cleaned_data", {}).get("value")
            if not value:
                continue
            if value in seen:
                form.add_error("value", "This value appears twice in the rows you are adding.")
            seen.add(value)


ScopeFormSet = forms.formset_factory(ScopeForm, formset=BaseScopeFormSet, extra=1, max_num=50, validate_max=True)


class ScopeDelimiterForm(forms.ModelForm):
    class Meta:
        model = Connector
        fields = ["scope_delimiter"]
        labels = {"scope_delimiter": "Scope Delimiter"}
        help_texts = {"scope_delimiter": "How the service expects the scopes to be separated. Saved as soon as "
                      "it is changed, and with the scopes."}
        # The OAuth Scopes page saves it with the rows being added (one form, builder/scope_list.html).
        widgets = {"scope_delimiter": forms.Select(attrs={"form": "scopes-form"})}

    def clean_scope_delimiter(self):
        delimiter = self.cleaned_data["scope_delimiter"]
        if not self.instance.pk:
            return delimiter  # no stored scopes yet (Django admin's add page)
        clashing = self.instance.scopes.filter(value__contains=delimiter).values_list("value", flat=True)[:3]
        if delimiter.strip() and clashing:
            raise ValidationError(f"These scope values contain that delimiter: {', '.join(clashing)}.")
        return delimiter
