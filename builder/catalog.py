"""Install the built-in connectors: builder/catalog/<key>.json, one connector document per service.

Each file is checked like an import (the catalog schema, which also wants a category and the
provider's documentation, then the builder's forms). A file's stem is its builtin_key. The load
is all or nothing: one refused file and nothing changes, and every problem is reported.
Loading twice changes nothing. A built-in edited in the builder loses its key (it is then a
custom connector of its own); the next load installs a pristine built-in again.
"""

import dataclasses
import re
from pathlib import Path

from django.db import transaction

from .documents import MAX_DOCUMENT_BYTES, DocumentInvalid, connector_from_prepared, prepare_document
from .models import Connector, ConnectorChange, Scope, Stage

CATALOG_DIR = Path(__file__).with_name("catalog")
KEY_RE = re.compile(r"[a-z0-9][a-z0-9_]{0,63}")  # builtin_key holds at most 64 characters

# Which builder section a changed field belongs to, for the audit trail.
SECTION_OF = {
    "name": ConnectorChange.Action.GENERAL, "description": ConnectorChange.Action.GENERAL,
    "logo": ConnectorChange.Action.GENERAL, "category": ConnectorChange.Action.GENERAL,
    "documentation_url": ConnectorChange.Action.GENERAL,
    "auth_type": ConnectorChange.Action.SECURITY, "config": ConnectorChange.Action.SECURITY,
    "test_method": ConnectorChange.Action.SECURITY, "test_url": ConnectorChange.Action.SECURITY,
    "base_url": ConnectorChange.Action.SECURITY, "api_origins": ConnectorChange.Action.SECURITY,
    "other_hosts": ConnectorChange.Action.SECURITY, "variables": ConnectorChange.Action.SECURITY,
    "expiry_statuses": ConnectorChange.Action.SECURITY,
    "expiry_body_field": ConnectorChange.Action.SECURITY, "expiry_body_value": ConnectorChange.Action.SECURITY,
    "scope_delimiter": ConnectorChange.Action.SCOPES, "scopes": ConnectorChange.Action.SCOPES,
    "stage": ConnectorChange.Action.READY,
}


class CatalogInvalid(Exception):
    """Catalog files are refused; `problems` lists (file name, JSON path, message) triples."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(f"{name} {path}: {message}" for name, path, message in self.problems))


@dataclasses.dataclass
class LoadResult:
    installed: list = dataclasses.field(default_factory=list)
    updated: list = dataclasses.field(default_factory=list)
    unchanged: list = dataclasses.field(default_factory=list)

    def __str__(self):
        return f"installed {len(self.installed)}, updated {len(self.updated)}, unchanged {len(self.unchanged)}"


def catalog_files(directory=None):
    """Return the catalog's *.json files, sorted by name (none when the directory does not exist)."""
    directory = Path(directory or CATALOG_DIR)
    return sorted(path for path in directory.glob("*.json") if path.is_file()) if directory.is_dir() else []


def read_catalog(directory=None):
    """Return {builtin_key: PreparedConnector} for every file; raise CatalogInvalid with all problems."""
    prepared, problems = {}, []
    for path in catalog_files(directory):
        try:
            prepared[catalog_key(path)] = prepare_document(_read_limited(path), catalog=True)
        except DocumentInvalid as error:
            problems += [(path.name, json_path, message) for json_path, message in error.problems]
    if problems:
        raise CatalogInvalid(problems)
    return prepared


def catalog_key(path):
    """Return the builtin_key a catalog file installs: its name without .json."""
    if not KEY_RE.fullmatch(path.stem):
        raise DocumentInvalid([("$", "Name the file <key>.json, the key in lowercase letters, digits and _ "
                                     "(at most 64 characters, not starting with _).")])
    return path.stem


def _read_limited(path):
    with path.open("rb") as file:
        return file.read(MAX_DOCUMENT_BYTES + 1)  # the import refuses more than the limit


@transaction.atomic
def load_builtin_connectors(directory=None):
    """Install or update the built-in connectors from `directory` (builder/catalog); return the counts."""
    result = LoadResult()
    for key, prepared in read_catalog(directory).items():
        existing = Connector.objects.select_for_update().filter(builtin_key=key).order_by("pk").first()
        if existing is None:
            connector_from_prepared(prepared, user=None, builtin_key=key, ready_when_complete=True)
            result.installed.append(key)
        elif connector_update(existing, prepared):
            result.updated.append(key)
        else:
            result.unchanged.append(key)
    return result


def connector_update(connector, prepared):
    """Bring a pristine built-in up to date with its catalog file; return the names of what changed.

    Its link name stays: scripts and connections know it by it.
    """
    changed = [name for name, value in prepared.fields.items() if getattr(connector, name) != value]
    for name in changed:
        setattr(connector, name, prepared.fields[name])
    if bytes(connector.logo or b"") != (prepared.logo or b""):
        connector.set_logo(prepared.logo)
        changed.append("logo")
    scopes = list(connector.scopes.values_list("name", "value").order_by("pk"))
    if scopes != list(prepared.scopes):
        changed.append("scopes")
    # Settings other apps keep (builder.sections) that the file states, judged against the updated connector.
    section_forms = [form.section.form(connector, form.data) for form in prepared.section_forms]
    section_forms = [form for form in section_forms if form.is_valid() and form.has_changed()]
    changed += [form.section.key for form in section_forms]
    stage = Stage.DRAFT if connector.ready_problems() else Stage.READY
    if connector.stage != stage:
        connector.stage = stage
        changed.append("stage")
    if not changed:
        return []
    connector.save()
    if "scopes" in changed:
        connector.scopes.all().delete()
        Scope.objects.bulk_create(Scope(connector=connector, name=name, value=value)
                                  for name, value in prepared.scopes)
    for form in section_forms:
        form.save(connector)
    # A built-in that now needs a secret goes back to Draft: a Security change, not "Marked as Ready".
    sections = {**SECTION_OF, "stage": SECTION_OF["stage"] if stage == Stage.READY else SECTION_OF["config"],
                **{form.section.key: SECTION_OF["name" if form.section.step == "general" else "config"]
                   for form in section_forms}}
    # Recorded directly: connector_record_change() takes any change after CREATED for an admin's
    # edit, which turns the built-in into a custom connector; this one is the catalog's own.
    ConnectorChange.objects.bulk_create(
        ConnectorChange(connector=connector, user=None, action=action,
                        fields=sorted(name for name in changed if sections[name] == action))
        for action in dict.fromkeys(sections[name] for name in changed)
    )
    return changed
