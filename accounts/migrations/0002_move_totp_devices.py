"""Move django-otp's TOTP devices, whose keys sit in clear in otp_totp's table, to accounts.Authenticator
(the key encrypted), with their settings and state; then delete them from otp_totp's table.

A session verified with a moved device asks for a code once more (the device it names is gone).
"""

from django.db import migrations

CARRIED = ("user_id", "name", "confirmed", "throttling_failure_timestamp", "throttling_failure_count", "created_at",
           "last_used_at", "step", "t0", "digits", "tolerance", "drift", "last_t")


def _move(database, source, target, new_row):
    """Copy every row of `source` to `target` (new_row(row) with the CARRIED fields), then delete them."""
    rows = source.objects.using(database).order_by("pk")
    for row in rows:
        copy = new_row(row)
        for name in CARRIED:
            setattr(copy, name, getattr(row, name))
        copy.save(using=database)  # one by one: the key is encrypted, or decrypted, as the row is written
        target.objects.using(database).filter(pk=copy.pk).update(created_at=row.created_at)  # auto_now_add
    rows.delete()


def move_devices(apps, schema_editor):
    Authenticator = apps.get_model("accounts", "Authenticator")
    _move(schema_editor.connection.alias, apps.get_model("otp_totp", "TOTPDevice"), Authenticator,
          lambda device: Authenticator(secret={"key": device.key}))


def move_back(apps, schema_editor):
    """Undone: the devices go back to otp_totp's table, their keys in clear there again."""
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    _move(schema_editor.connection.alias, apps.get_model("accounts", "Authenticator"), TOTPDevice,
          lambda authenticator: TOTPDevice(key=authenticator.secret["key"]))


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [
        migrations.RunPython(move_devices, move_back),
    ]
