from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection as db

from connectors_site.crypto import EncryptedJSONField, multifernet


def encrypted_columns():
    """Yield (model, field) for every encrypted field of every installed model."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedJSONField):
                yield model, field


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret with the first key of CONNECTORS_ENCRYPTION_KEYS. Afterwards the "
        "other keys can be removed. Safe to run twice and while the app serves requests."
    )

    def handle(self, *args, **options):
        primary = Fernet(settings.CONNECTORS_ENCRYPTION_KEYS[0])
        rotator = multifernet()
        totals = {"re-encrypted": 0, "already current": 0, "changed meanwhile": 0, "undecryptable": 0}
        for model, field in encrypted_columns():
            table, column, pk = (db.ops.quote_name(n) for n in (model._meta.db_table, field.column,
                                                                 model._meta.pk.column))
            with db.cursor() as cursor:
                cursor.execute(f"SELECT {pk}, {column} FROM {table} WHERE {column} IS NOT NULL")
                rows = cursor.fetchall()
            for row_pk, token in rows:
                outcome = self.rotate_row(primary, rotator, table, column, pk, row_pk, token)
                totals[outcome] += 1
                if outcome == "undecryptable":
                    self.stderr.write(f"{model._meta.label} #{row_pk}: no configured key decrypts {field.name}; "
                                      "it needs to be reconfigured.")
                elif outcome == "changed meanwhile":
                    self.stderr.write(f"{model._meta.label} #{row_pk}: {field.name} was saved or deleted while "
                                      "rotating and was left as saved; run the command again to check it.")
        self.stdout.write(", ".join(f"{count} {label}" for label, count in totals.items()))

    @staticmethod
    def rotate_row(primary, rotator, table, column, pk, row_pk, token):
        try:
            primary.decrypt(token.encode())
            return "already current"
        except InvalidToken:
            pass
        try:
            new_token = rotator.rotate(token.encode()).decode()
        except InvalidToken:
            return "undecryptable"
        # Compare-and-swap: a value saved meanwhile by a request (already under the first key) wins.
        with db.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET {column} = %s WHERE {pk} = %s AND {column} = %s",
                           [new_token, row_pk, token])
            updated = cursor.rowcount
        return "re-encrypted" if updated else "changed meanwhile"
