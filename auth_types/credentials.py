"""What an end user is prompted for when authorizing a key-based connection."""

from django import forms

from .base import protect_secret_fields


class CredentialForm(forms.Form):
    """The values a connection stores, labelled with the connector's own parameter names.

    Fields named in `secret_fields` never render their value; on an edit (`stored_secrets`
    given) they may be left blank to keep what is stored, so a user fixing one value does not
    retype the rest. Other fields are shown back (a username, an access key ID).
    """

    secret_fields = ()

    def __init__(self, data=None, *, config, stored_secrets=None, **kwargs):
        self.connector_config = config
        self.stored_secrets = dict(stored_secrets or {})
        initial = {name: value for name, value in self.stored_secrets.items() if name not in self.secret_fields}
        super().__init__(data, initial=initial, **kwargs)
        self.add_fields(config)
        protect_secret_fields(self, self.secret_fields, self.stored_secrets)

    def add_fields(self, config):
        """Add the fields this connector prompts for (labels from its config)."""

    @classmethod
    def secret_names(cls, config):
        """Return the names of the secret fields for this connector's config."""
        return cls.secret_fields

    def secrets(self):
        """Return the values to store: new ones, the stored ones where a secret was left blank."""
        values = {}
        for name in self.fields:
            value = self.cleaned_data.get(name)
            if name in self.secret_fields and not value:
                value = self.stored_secrets.get(name, "")
            values[name] = value or ""
        return values


def secret_text_field(label, **kwargs):
    kwargs.setdefault("max_length", 4000)
    kwargs.setdefault("strip", True)
    return forms.CharField(label=label, **kwargs)
