from django.db import migrations, models
from django.db.models import Q
from django.utils import timezone


def settle_the_past(apps, schema_editor):
    """Links whose opener made a connection get it (polling found it so until now); links already connected
    or expired are settled: nothing announces them now."""
    ConnectLink = apps.get_model("api", "ConnectLink")
    Connection = apps.get_model("connections", "Connection")
    for link in ConnectLink.objects.filter(connection__isnull=True, opened_by__isnull=False):
        made = (Connection.objects.filter(owner_id=link.opened_by_id, connector_id=link.connector_id,
                                          created_at__gte=link.opened_at, created_at__lt=link.expires_at)
                .exclude(status="pending").order_by("created_at").first())
        if made is not None:
            ConnectLink.objects.filter(pk=link.pk).update(connection=made)
    ConnectLink.objects.filter(Q(connection__isnull=False) | Q(expires_at__lte=timezone.now())).update(
        settled_at=timezone.now())


class Migration(migrations.Migration):

    dependencies = [
        ("api", "0002_connectlink_ratewindow"),
    ]

    operations = [
        migrations.AddField(
            model_name="connectlink",
            name="settled_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(settle_the_past, migrations.RunPython.noop),
    ]
