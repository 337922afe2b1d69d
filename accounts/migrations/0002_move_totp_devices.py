"""Move django-otp's TOTP devices, whose keys sit in clear in otp_totp's table, to accounts.Authenticator
(the key encrypted), with their settings and state; then delete them from otp_totp's table.

A session verified with a moved device asks for a code once more (the device it names is gone).
"""

from django.db import migrations

CARRIED = ("user_id", "name", "confirmed", "throttling_failure_timestamp", "throttling_failure_count", "created_at",
           "last_used_at", "step", "t0", "digits", "tolerance", "drift", "last_t")


def move_devices(apps, schema_editor):
    database = schema_editor.connection.alias
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    Authenticator = apps.get_model("accounts", "Authenticator")
    devices = TOTPDevice.objects.using(database).order_by("pk")
    for device in devices:
        # Saved one by one: the key is encrypted as the row is written (EncryptedJSONField).
        moved = Authenticator(secret={"key": device.key}, **{name: getattr(device, name) for name in CARRIED})
        moved.save(using=database)
        # created_at is auto_now_add: written again as it was.
        Authenticator.objects.using(database).filter(pk=moved.pk).update(created_at=device.created_at)
    devices.delete()


def move_back(apps, schema_editor):
    """Undone: the devices go back to otp_totp's table, their keys in clear there again."""
    database = schema_editor.connection.alias
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    Authenticator = apps.get_model("accounts", "Authenticator")
    authenticators = Authenticator.objects.using(database).order_by("pk")
    for authenticator in authenticators:
        device = TOTPDevice(key=authenticator.secret["key"],
                            **{name: getattr(authenticator, name) for name in CARRIED})
        device.save(using=database)
        TOTPDevice.objects.using(database).filter(pk=device.pk).update(created_at=authenticator.created_at)
    authenticators.delete()


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [
        migrations.RunPython(move_devices, move_back),
    ]
