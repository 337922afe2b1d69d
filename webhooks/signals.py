"""Where the events come from: the other apps' models and signals, so that none of them knows webhooks."""

from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver

from api.models import ConnectLink
from api.signals import connect_link_settled
from builder.models import ConnectorChange
from connections.models import Connection, ConnectionEvent
from health.services import health_changed, health_of

from .services import emit

Action = ConnectionEvent.Action


def connector_data(connector):
    return {"id": connector.pk, "link_name": connector.link_name, "name": connector.name,
            "auth_type": connector.auth_type, "stage": connector.stage}


def connection_data(connection, **extra):
    """What a webhook says about a connection: names and states, never a credential."""
    return {"connection": {"id": connection.pk, "link_name": connection.link_name, "name": connection.name,
                           "status": connection.status, "enabled": connection.enabled,
                           "health": health_of(connection).value, "owner": connection.owner.get_username()},
            "connector": connector_data(connection.connector), **extra}


@receiver(post_save, sender=ConnectionEvent, dispatch_uid="webhooks-connection-event")
def on_connection_event(sender, instance, created, **kwargs):
    if not created:
        return
    if instance.action == Action.CREATED:
        emit("connection.created", connection_data(instance.connection))
    elif instance.action == Action.AUTHORIZED:
        emit("connection.authorized", connection_data(instance.connection))
    elif instance.action == Action.FAILED and instance.detail.startswith("Refresh"):
        emit("connection.refresh_failed", connection_data(instance.connection, reason=instance.detail))


@receiver(post_save, sender=Connection, dispatch_uid="webhooks-connection-status")
def on_connection_saved(sender, instance, created, update_fields=None, **kwargs):
    if update_fields and "status" in update_fields and instance.status == Connection.Status.NEEDS_REAUTHORIZATION:
        emit("connection.needs_reauthorization", connection_data(instance, reason=instance.token_error))


@receiver(pre_delete, sender=Connection, dispatch_uid="webhooks-connection-deleted")
def on_connection_deleted(sender, instance, **kwargs):
    emit("connection.deleted", connection_data(instance))


@receiver(health_changed, dispatch_uid="webhooks-health-changed")
def on_health_changed(sender, connection, before, after, **kwargs):
    emit("connection.health_changed", connection_data(connection, previous_health=before.value))


@receiver(post_save, sender=ConnectorChange, dispatch_uid="webhooks-connector-ready")
def on_connector_change(sender, instance, created, **kwargs):
    if created and instance.action == ConnectorChange.Action.READY:
        emit("connector.ready", {"connector": connector_data(instance.connector)})


@receiver(connect_link_settled, dispatch_uid="webhooks-connect-link-settled")
def on_connect_link_settled(sender, link, **kwargs):
    """What polling the link answers (its id, status and connection), once its result is final."""
    from api.endpoints.connect_links import link_result

    completed = link.result() == ConnectLink.Status.CONNECTED
    emit("connect_link.completed" if completed else "connect_link.expired", link_result(link))
