from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404

from .models import Connection


def own_connection_or_404(user, link_name, related=("connector",)):
    """Return the user's connection with this link name; another user's is a 404 like a missing one.

    `related`: what comes in the same query (select_related); the connector always does.
    """
    return get_object_or_404(Connection.objects.for_owner(user).select_related(*related), link_name=link_name)


class OwnConnectionMixin(LoginRequiredMixin):
    """Every connection URL: another user's connection is a 404."""

    def get_queryset(self):
        return Connection.objects.for_owner(self.request.user).select_related("connector")

    def get_object(self, queryset=None):
        return own_connection_or_404(self.request.user, self.kwargs["link_name"])
