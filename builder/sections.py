"""Connector settings that other apps keep, edited on the builder's own pages.

The builder imports none of those apps (health checks, provider accounts...). Instead an app
registers a ConnectorSection in its AppConfig.ready():

    sections.register(sections.ConnectorSection(
        key="health_check_interval", label="Health checks", step="security", form_class=HealthCheckForm))

and the builder then, for every registered section:
- renders its form on the page of `step` ("general" or "security") and validates it together with the
  page's own form: a refused value is shown next to its field (400), and the page's values and the
  sections' are saved in one transaction, or none of them;
- writes its value into connector documents under `key` (export) and reads it back (import), with
  the section's JSON Schema and then its form, problems at their JSON paths like the rest;
- shows and changes it in the REST API (a connector's `settings`, by `key`).

A section's form is a SectionForm: a Django form bound to one connector (a saved one, or an unsaved
one holding the values the page or document is about to save, so that a section may depend on
them: the test request, say). See SectionForm for what it defines.
"""

import dataclasses

from django import forms

STEPS = ("general", "security")


class SectionForm(forms.Form):
    """A registered section's fields. Define the fields and:

    - `stored(connector)` (classmethod): the initial values, from what the app stores for a saved connector;
    - `save(connector)`: store the cleaned values (runs in the builder's transaction, after the connector
      is saved; a document's connector is saved for the first time just before);
    - `to_document(connector)` (classmethod): the JSON value written in documents and API answers, or
      None to leave it out (the default applies);
    - `data_from_document(value)` (classmethod): the form data for a document's or an API request's value;
    - `document_schema`: the JSON Schema of that value (the first pass over a document), and
      `document_paths` where a field's problems are reported within it (the value itself by default).

    `self.connector` is the connector the values belong to; the page's own form has already applied
    its posted values to it (not saved yet) when a section's form is validated.
    """

    document_schema = {}
    document_paths = {}  # field name -> where in the section's document value it is (".path"); "" by default

    def __init__(self, data=None, *, connector, section, initial=None):
        self.connector, self.section = connector, section
        if initial is None:
            initial = self.stored(connector) if connector.pk else {}
        super().__init__(data, initial=initial, prefix=section.key)

    @property
    def label(self):
        return self.section.label

    @classmethod
    def stored(cls, connector):
        raise NotImplementedError(f"{cls.__name__} must return the stored values of a connector")

    def save(self, connector):
        raise NotImplementedError(f"{type(self).__name__} must store its cleaned values")

    @classmethod
    def to_document(cls, connector):
        raise NotImplementedError(f"{cls.__name__} must return its value in a connector document")

    @classmethod
    def data_from_document(cls, value):
        raise NotImplementedError(f"{cls.__name__} must turn a document's value into form data")

    def changed_fields(self):
        """The names recorded in the connector's history when the section changed (never values)."""
        return [self.section.key] if self.has_changed() else []


class SettingAdminForm(forms.ModelForm):
    """Django admin's form for an app's model that keeps a section's setting (with a `connector` field):
    it refuses what the builder's page refuses. Set `setting_field` and `validator(value, connector)`."""

    setting_field = ""

    @staticmethod
    def validator(value, connector):
        raise NotImplementedError("SettingAdminForm subclasses name their validator")

    def clean(self):
        cleaned = super().clean()
        connector, value = cleaned.get("connector"), cleaned.get(self.setting_field)
        if connector is not None and value not in (None, ""):
            try:
                self.validator(value, connector)
            except forms.ValidationError as error:
                self.add_error(self.setting_field, error)
        return cleaned


@dataclasses.dataclass(frozen=True)
class ConnectorSection:
    key: str  # unique; the form's prefix, the document's and the API's key
    label: str  # the heading of its part of the page
    step: str  # the builder step whose page shows it: one of STEPS
    form_class: type  # a SectionForm subclass
    # The app's one-to-one relation to Connector its form reads, if any: lists of connectors select it
    # along (connector.<related>), so that showing the section's value costs no query per connector.
    related: str = ""

    def __post_init__(self):
        if self.step not in STEPS:
            raise ValueError(f"A connector section belongs on one of the steps {STEPS}, not {self.step!r}.")
        if not issubclass(self.form_class, SectionForm):
            raise TypeError(f"{self.form_class.__name__} must be a builder.sections.SectionForm.")

    def form(self, connector, data=None, initial=None):
        return self.form_class(data, connector=connector, section=self, initial=initial)

    def posted_form(self, connector, data, *, bind=True):
        """Return the section's form bound to `data` when `data` holds any of its fields, else unbound.

        A POST that leaves a section out (an older client, another page) keeps what is stored.
        `bind=False` shows the posted values without judging them (a page shown again unsaved).
        """
        form = self.form(connector)
        names = {form.add_prefix(name): name for name in form.fields}
        if data is None or not names.keys() & set(data):
            return form
        if not bind:
            return self.form(connector, initial={names[key]: data.get(key) for key in names if key in data})
        return self.form(connector, data)

    def form_from_value(self, connector, value):
        """Return the section's form bound to a document's or an API request's value."""
        form = self.form(connector)
        data = self.form_class.data_from_document(value)
        return self.form(connector, {form.add_prefix(name): item for name, item in data.items()})


_sections = {}


def register(section):
    """Register a connector section (in the registering app's AppConfig.ready); again is a no-op."""
    known = _sections.get(section.key)
    if known is not None and known != section:
        raise ValueError(f"Another connector section is registered as {section.key!r}.")
    _sections[section.key] = section
    from . import document_format  # the document schema holds the sections' parts

    document_format.forget_schema()


def unregister(key):
    """Remove a section (tests that register one of their own)."""
    if _sections.pop(key, None) is not None:
        from . import document_format

        document_format.forget_schema()


def all_sections():
    return list(_sections.values())


def related_names():
    """Return the relations to select along with connectors whose sections' values are shown."""
    return [section.related for section in _sections.values() if section.related]


def for_step(step):
    return [section for section in _sections.values() if section.step == step]


def posted_forms(connector, step, data=None, *, bind=True):
    """Return the forms of the sections of `step` for a page: bound to `data` (a POST) where it holds them."""
    return [section.posted_form(connector, data, bind=bind) for section in for_step(step)]


def all_valid(section_forms):
    """Validate every bound form (each shows its problems); return whether all of them are valid."""
    return all([form.is_valid() for form in section_forms if form.is_bound])


def save(connector, section_forms):
    """Store the bound forms' values (inside the caller's transaction); return the changed field names."""
    changed = []
    for form in section_forms:
        if form.is_bound:
            changed += form.changed_fields()
            form.save(connector)
    return changed


def document_values(connector):
    """Return {key: value} of every section's value in a document of `connector` (those not left out)."""
    values = {}
    for section in _sections.values():
        value = section.form_class.to_document(connector)
        if value is not None:
            values[section.key] = value
    return values
