"""builder.sections: other apps add settings to the builder's pages without the builder importing them.

A section of this test's own, on General, shows the seam's promises for any page: rendered with the
page's form, refused together with it (400, message beside the field, nothing saved), saved with it
in one transaction.
"""

import ast
from pathlib import Path

import pytest
from django import forms
from django.urls import reverse

import builder
from builder import sections
from builder.document_format import document_schema
from builder.models import Connector
from tests.auth_types.test_registry import imported_modules
from tests.builder.conftest import field_error

pytestmark = pytest.mark.django_db

# Apps that build on the builder (they register sections); the builder never imports them.
LATER_APPS = {"connections", "health", "reconnect", "webhooks", "notifications", "api", "jobs", "monitoring"}
BUILDER = Path(builder.__file__).parent


@pytest.mark.parametrize("path", sorted(BUILDER.rglob("*.py")), ids=lambda path: str(path.relative_to(BUILDER)))
def test_no_builder_module_imports_the_apps_that_register_sections(path):
    modules = list(imported_modules(ast.parse(path.read_text(), filename=str(path))))
    assert not [name for name in modules if name and name.split(".")[0] in LATER_APPS]


def test_health_and_reconnect_register_their_sections_on_security():
    registered = {section.key: section for section in sections.all_sections()}
    assert registered["health_check_interval"].step == "security"
    assert registered["identity_field"].step == "security"
    properties = document_schema()["$defs"]["connector"]["properties"]
    assert properties["health_check_interval"]["type"] == "integer"
    assert properties["identity_field"]["type"] == "string"


# --- a section of the test's own, on General ------------------------------------------------

STORE = {}


class MottoForm(sections.SectionForm):
    motto = forms.CharField(label="Motto", required=False, max_length=20)
    document_schema = {"type": "string"}

    @classmethod
    def stored(cls, connector):
        return {"motto": STORE[connector.pk]} if connector.pk in STORE else {}

    def clean_motto(self):
        motto = self.cleaned_data["motto"]
        if motto == "fail on save":
            return motto
        if motto and not motto[0].isupper():
            raise forms.ValidationError("Start the motto with a capital letter.")
        return motto

    def save(self, connector):
        if self.cleaned_data["motto"] == "fail on save":
            raise RuntimeError("the section's store failed")
        STORE[connector.pk] = self.cleaned_data["motto"]

    @classmethod
    def to_document(cls, connector):
        return STORE.get(connector.pk)

    @classmethod
    def data_from_document(cls, value):
        return {"motto": value}


MOTTO = sections.ConnectorSection(key="motto", label="Motto", step="general", form_class=MottoForm)


@pytest.fixture
def motto_section():
    sections.register(MOTTO)
    yield MOTTO
    sections.unregister("motto")
    STORE.clear()


def general(client, connector, **data):
    values = {"name": connector.name, "link_name": connector.link_name, "description": "", **data}
    return client.post(reverse("builder:general", args=[connector.pk]), values)


def test_a_section_is_shown_refused_and_saved_with_its_page(builder_client, make_connector, motto_section):
    connector = make_connector("Mottoed")
    html = builder_client.get(reverse("builder:general", args=[connector.pk])).content.decode()
    assert 'name="motto-motto"' in html and "<legend" in html and "Motto" in html

    refused = general(builder_client, connector, description="New words", **{"motto-motto": "lowercase"})
    assert refused.status_code == 400
    assert field_error(refused, "motto-motto") == "Start the motto with a capital letter."
    assert 'value="lowercase"' in refused.content.decode()
    assert Connector.objects.get(pk=connector.pk).description == "" and connector.pk not in STORE

    bad_page = general(builder_client, connector, name="#bad", **{"motto-motto": "Fine"})
    assert bad_page.status_code == 400 and connector.pk not in STORE  # the page's refusal stops the section too

    saved = general(builder_client, connector, description="New words", **{"motto-motto": "Onwards"})
    assert saved.status_code == 302
    assert Connector.objects.get(pk=connector.pk).description == "New words" and STORE[connector.pk] == "Onwards"
    assert "motto" in connector.changes.latest("at").fields


def test_the_page_and_its_sections_are_saved_in_one_transaction(builder_client, make_connector, motto_section):
    connector = make_connector("Atomic")
    builder_client.raise_request_exception = False
    response = general(builder_client, connector, description="Never kept", **{"motto-motto": "fail on save"})
    assert response.status_code == 500
    assert Connector.objects.get(pk=connector.pk).description == ""


def test_documents_carry_a_registered_section(make_connector, builder_user, motto_section):
    from builder.documents import DocumentInvalid, connector_document, import_document
    from tests.builder.conftest import configure

    connector = configure(make_connector("Exported"), "bearer")
    STORE[connector.pk] = "Carry on"
    exported = connector_document(connector)
    assert exported["connector"]["motto"] == "Carry on"
    assert STORE[import_document(exported, user=builder_user).pk] == "Carry on"
    exported["connector"]["motto"] = "lower"
    with pytest.raises(DocumentInvalid) as refused:
        import_document(exported, user=builder_user)
    assert refused.value.problems == [("$.connector.motto", "Start the motto with a capital letter.")]
    sections.unregister("motto")
    with pytest.raises(DocumentInvalid) as unknown:
        import_document(exported, user=builder_user)
    assert ("$.connector.motto", "Unknown field.") in unknown.value.problems


def test_a_section_states_a_known_step_and_a_section_form():
    with pytest.raises(ValueError, match="one of the steps"):
        sections.ConnectorSection(key="x", label="X", step="scopes", form_class=MottoForm)
    with pytest.raises(TypeError, match="SectionForm"):
        sections.ConnectorSection(key="x", label="X", step="general", form_class=forms.Form)
    sections.register(MOTTO)
    try:
        sections.register(MOTTO)  # again: nothing changes
        with pytest.raises(ValueError, match="Another connector section"):
            sections.register(sections.ConnectorSection(key="motto", label="Other", step="security",
                                                        form_class=MottoForm))
    finally:
        sections.unregister("motto")
