"""Connect links settle here: when their opener makes (or reauthorizes) a connection, or when they expire.

`connect_link_settled` is sent once per link (sender ConnectLink, `link`): the webhooks app announces it.
"""

from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

from connections.models import ConnectionEvent

from .models import ConnectLink

connect_link_settled = Signal()
SETTLING = (ConnectionEvent.Action.CREATED, ConnectionEvent.Action.AUTHORIZED)


@receiver(post_save, sender=ConnectionEvent, dispatch_uid="api-connect-link-connected")
def on_connection_event(sender, instance, created, **kwargs):
    if created and instance.action in SETTLING:
        for link in ConnectLink.settle_connected(instance.connection):
            connect_link_settled.send(ConnectLink, link=link)


def settle_expired(now=None):
    """Announce the links that expired without a connection; return how many."""
    links = ConnectLink.settle_expired(now)
    for link in links:
        connect_link_settled.send(ConnectLink, link=link)
    return len(links)
