from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection as db
from django.db import transaction

from connectors_site.crypto import EncryptedJSONField, multifernet

CHUNK_SIZE = 1000


def encrypted_columns():
    """Yield (model, field) for every encrypted field of every installed model."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedJSONField):
                yield model, field


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret with the first key of CONNECTORS_ENCRYPTION_KEYS. Afterwards the "
        "other keys can be removed. Safe to run twice and while the app serves requests. Rows are read in "
        "chunks (memory stays flat) and each chunk is swapped in one transaction, each row only if it still "
        "holds the value read (compare-and-swap); progress is printed per chunk."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE,
                            help=f"rows read and swapped per transaction (default {CHUNK_SIZE})")

    def handle(self, *args, **options):
        primary = Fernet(settings.CONNECTORS_ENCRYPTION_KEYS[0])
        rotator = multifernet()
        chunk_size = max(1, options["chunk_size"])
        totals = {"re-encrypted": 0, "already current": 0, "changed meanwhile": 0, "undecryptable": 0}
        for model, field in encrypted_columns():
            label = f"{model._meta.label}.{field.name}"
            table, column, pk = (db.ops.quote_name(n) for n in (model._meta.db_table, field.column,
                                                                 model._meta.pk.column))
            with db.cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} IS NOT NULL")
                total, done = cursor.fetchone()[0], 0
            for rows in self.chunks(table, column, pk, chunk_size):
                for row_pk, outcome in self.rotate_chunk(primary, rotator, table, column, pk, rows):
                    totals[outcome] += 1
                    if outcome == "undecryptable":
                        self.stderr.write(f"{model._meta.label} #{row_pk}: no configured key decrypts {field.name}; "
                                          "it needs to be reconfigured.")
                    elif outcome == "changed meanwhile":
                        self.stderr.write(f"{model._meta.label} #{row_pk}: {field.name} was saved or deleted "
                                          "while rotating and was left as saved; run the command again to check it.")
                done += len(rows)
                self.stdout.write(f"{label}: {done} of {total} rows")
        self.stdout.write(", ".join(f"{count} {label}" for label, count in totals.items()))

    @staticmethod
    def chunks(table, column, pk, size):
        """Yield the rows [(pk, token)] in pk order, `size` at a time (keyset pagination: no OFFSET scans)."""
        last = None
        while True:
            with db.cursor() as cursor:
                after = "" if last is None else f"AND {pk} > %s "
                cursor.execute(f"SELECT {pk}, {column} FROM {table} WHERE {column} IS NOT NULL {after}"
                               f"ORDER BY {pk} LIMIT %s", ([] if last is None else [last]) + [size])
                rows = cursor.fetchall()
            if not rows:
                return
            yield rows
            last = rows[-1][0]

    @classmethod
    def rotate_chunk(cls, primary, rotator, table, column, pk, rows):
        """Return [(pk, outcome)] for the rows: re-encrypted ones swapped in one transaction."""
        planned = [(row_pk, token, cls.rotated(primary, rotator, token)) for row_pk, token in rows]
        outcomes = []
        with transaction.atomic():
            for row_pk, token, (outcome, new_token) in planned:
                if new_token is not None:
                    outcome = cls.swap(table, column, pk, row_pk, token, new_token)
                outcomes.append((row_pk, outcome))
        return outcomes

    @classmethod
    def rotate_row(cls, primary, rotator, table, column, pk, row_pk, token):
        outcome, new_token = cls.rotated(primary, rotator, token)
        return outcome if new_token is None else cls.swap(table, column, pk, row_pk, token, new_token)

    @staticmethod
    def rotated(primary, rotator, token):
        """Return (outcome, new token or None): the token under the first key, unless it is already or no key
        decrypts it."""
        try:
            primary.decrypt(token.encode())
            return "already current", None
        except InvalidToken:
            pass
        try:
            return "re-encrypted", rotator.rotate(token.encode()).decode()
        except InvalidToken:
            return "undecryptable", None

    @staticmethod
    def swap(table, column, pk, row_pk, token, new_token):
        # Compare-and-swap: a value saved meanwhile by a request (already under the first key) wins.
        with db.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET {column} = %s WHERE {pk} = %s AND {column} = %s",
                           [new_token, row_pk, token])
            updated = cursor.rowcount
        return "re-encrypted" if updated else "changed meanwhile"
