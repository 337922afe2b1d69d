"""The Security section's form of a type (ConfigForm), secret fields, and fields shown on a condition.

A field may declare when it applies: ``shown_when(field, grant_type="authorization_code")``.
The generic template (auth_types/config_form.html) marks it with its conditions and one script
(static/js/auth_config.js) shows it only while they hold, for any number of controlling fields;
the form ignores what a field that does not apply holds (no error, stored empty), so a value
left over from another choice is neither used nor in the way.

A form names the fields few builders need in ``advanced_fields``: the template shows them after
the others, under a collapsed "Advanced" group (opened when one of them is refused or differs
from its default).
"""

import json

from django import forms

SECRET_PLACEHOLDER = "Stored. Leave blank to keep it."


def shown_when(field, **conditions):
    """Return `field`, declared to apply only while each named field holds one of the given values.

    A value is what the controlling field cleans to (a choice's value, True or False for a
    checkbox); give a list for several. A field whose controlling field does not apply does not
    apply either.
    """
    field.shown_when = {name: list(values) if isinstance(values, (list, tuple, set)) else [values]
                        for name, values in conditions.items()}
    return field


def protect_secret_fields(form, names, stored_secrets):
    """Never render the named fields' values; make them optional (blank keeps) when a value is stored."""
    for name in names:
        field = form.fields[name]
        field.widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
        if stored_secrets.get(name):
            field.required = False
            field.widget.attrs["placeholder"] = SECRET_PLACEHOLDER
            field.help_text = " ".join(filter(None, [field.help_text, SECRET_PLACEHOLDER]))
        field.widget.is_required = field.required


class ConfigForm(forms.Form):
    """The Security section's fields for one auth type.

    `stored_config` and `stored_secrets` are what is saved now. Secret fields never render
    their value; left blank they keep the stored one.
    """

    secret_fields = ()
    advanced_fields = ()  # shown under "Advanced", after the others

    def __init__(self, data=None, files=None, *, stored_config=None, stored_secrets=None, **kwargs):
        self.stored_config = dict(stored_config or {})
        self.stored_secrets = dict(stored_secrets or {})
        super().__init__(data, files, initial=dict(self.stored_config), **kwargs)
        protect_secret_fields(self, self.secret_fields, self.stored_secrets)

    @classmethod
    def from_stored(cls, config, secrets):
        """Return a bound form holding the stored values, to re-validate them (the Ready gate)."""
        return cls(cls.stored_data(config, secrets), stored_config=config, stored_secrets=secrets)

    @classmethod
    def stored_data(cls, config, secrets):
        """Return the stored values as the form would post them (names without a prefix)."""
        data = {}
        for name, field in cls(stored_config=config, stored_secrets=secrets).fields.items():
            value = (secrets if name in cls.secret_fields else config).get(name)
            if value is not None and value is not False:
                data[name] = field.prepare_value(value)  # as the page shows it (rows as lines)
        return data

    # --- fields shown on a condition ----------------------------------------------------

    def applies(self, name, values):
        """Return whether field `name` applies given the values of the others (cleaned or stored)."""
        conditions = getattr(self.fields[name], "shown_when", None) or {}
        return all(control in self.fields and self.applies(control, values) and values.get(control) in allowed
                   for control, allowed in conditions.items())

    def clean(self):
        cleaned = super().clean()
        self.ignored = {name for name in self.fields if not self.applies(name, cleaned)}
        for name in self.ignored:
            self._errors.pop(name, None)
            cleaned[name] = self.fields[name].to_python(None)  # "" or False: not used
        return cleaned

    def fields_with_conditions(self):
        """Return (bound field, its conditions as JSON naming the controlling inputs, or "") pairs."""
        rows = []
        for bound in self:
            conditions = getattr(bound.field, "shown_when", None)
            rows.append((bound, json.dumps({self[name].html_name: values for name, values in conditions.items()})
                         if conditions else ""))
        return rows

    def main_fields(self):
        """Return fields_with_conditions() of the fields not under "Advanced"."""
        return [row for row in self.fields_with_conditions() if row[0].name not in self.advanced_fields]

    def advanced_rows(self):
        """Return fields_with_conditions() of the fields under "Advanced", in the declared order."""
        return [row for row in self.fields_with_conditions() if row[0].name in self.advanced_fields]

    def advanced_open(self):
        """Return whether "Advanced" starts open: one of its fields is refused or differs from its default."""
        for name in self.advanced_fields:
            if name not in self.fields:
                continue
            if self.is_bound and self.errors.get(name):
                return True
            field = self.fields[name]
            stored = self.stored_config.get(name)
            if name not in self.secret_fields and stored not in (None, "") and stored != field.initial:
                return True
        return False

    # --- what is saved ------------------------------------------------------------------

    def error_list(self):
        """Return every error as a readable "Label: message" string."""
        messages = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            messages += [f"{label}: {error}" if label else error for error in errors]
        return messages

    def config(self):
        """Return the non-secret settings to store (call after is_valid())."""
        return {name: value for name, value in self.cleaned_data.items() if name not in self.secret_fields}

    def secrets(self):
        """Return the secrets to store: the new values, the stored ones where left blank (none where
        the field does not apply: a secret not in use is not kept)."""
        ignored = getattr(self, "ignored", set())
        return {
            name: "" if name in ignored else self.cleaned_data.get(name) or self.stored_secrets.get(name, "")
            for name in self.secret_fields
        }
