"""Changes to connectors that span models: each one records itself in the audit trail."""

from django.db import IntegrityError, transaction

from . import sections
from .models import Connector, ConnectorChange, Stage
from .validators import link_name_from, unique_link_name


class NoFreeLinkName(Exception):
    pass


def save_with_unique_link_name(instance, base, *, attempts=5):
    """Save `instance` under `base` or the first free `base_N`, retrying when a concurrent save takes it."""
    model = type(instance)
    for _attempt in range(attempts):
        instance.link_name = unique_link_name(base, lambda name: model.objects.filter(link_name=name).exists())
        try:
            with transaction.atomic():
                instance.save()
            return instance
        except IntegrityError:
            instance.pk = None
    raise NoFreeLinkName("No free link name was found; try again.")


class ConnectorNotComplete(Exception):
    def __init__(self, problems):
        self.problems = problems
        super().__init__("; ".join(problems))


def connector_record_change(*, connector, user, action, fields=()):
    """Record a change in the audit trail. An edited built-in becomes a custom connector of its own."""
    if connector.builtin_key and action != ConnectorChange.Action.CREATED:
        Connector.objects.filter(pk=connector.pk).update(builtin_key="")
        connector.builtin_key = ""
    return ConnectorChange.objects.create(connector=connector, user=user, action=action, fields=sorted(fields))


@transaction.atomic
def connector_create(*, form, user):
    connector = form.save(commit=False)
    connector.created_by = user
    save_with_unique_link_name(connector, link_name_from(connector.name))
    connector_record_change(connector=connector, user=user, action=ConnectorChange.Action.CREATED,
                            fields=["name", "link_name", "description"])
    return connector


@transaction.atomic
def connector_save_general(*, form, user, section_forms=()):
    """Save General and the registered sections shown with it (builder.sections), all or nothing."""
    fields = form.changed_fields()
    connector = form.save()
    fields += sections.save(connector, section_forms)
    if fields:
        connector_record_change(connector=connector, user=user, action=ConnectorChange.Action.GENERAL, fields=fields)
    return connector


@transaction.atomic
def connector_save_security(*, connector, user, auth_type, config_form, test_form, section_forms=()):
    """Store the chosen auth type's configuration and the registered sections shown with it
    (builder.sections), all or nothing; record which fields changed (names only)."""
    new_config, new_secrets = config_form.config(), config_form.secrets()
    if auth_type.key != connector.auth_type:
        changed = {"auth_type", *new_config, *(name for name, value in new_secrets.items() if value)}
    else:
        changed = {name for name in new_config.keys() | connector.config.keys()
                   if new_config.get(name) != connector.config.get(name)}
        changed |= {name for name, value in new_secrets.items() if value != connector.secrets.get(name)}
    changed |= set(test_form.changed_data)
    test_form.save(commit=False)
    connector.auth_type, connector.config, connector.secrets = auth_type.key, new_config, new_secrets
    connector.save()
    changed |= set(sections.save(connector, section_forms))
    if changed:
        connector_record_change(connector=connector, user=user, action=ConnectorChange.Action.SECURITY,
                                fields=changed)
    return connector


@transaction.atomic
def connector_save_sections(*, connector, user, section_forms):
    """Store registered sections' values alone (the API's settings); record which changed, as a change
    of the step each section is shown on."""
    for step, action in (("general", ConnectorChange.Action.GENERAL), ("security", ConnectorChange.Action.SECURITY)):
        changed = sections.save(connector, [form for form in section_forms if form.section.step == step])
        if changed:
            connector_record_change(connector=connector, user=user, action=action, fields=changed)
    return connector


@transaction.atomic
def connector_mark_ready(*, connector, user):
    """Move a connector to Ready; raise ConnectorNotComplete with what is missing otherwise."""
    connector = Connector.objects.select_for_update().get(pk=connector.pk)
    problems = connector.ready_problems()
    if problems:
        raise ConnectorNotComplete(problems)
    if connector.stage != Stage.READY:
        connector.stage = Stage.READY
        connector.save(update_fields=["stage", "updated_at"])
        connector_record_change(connector=connector, user=user, action=ConnectorChange.Action.READY, fields=["stage"])
    return connector
