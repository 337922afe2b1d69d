"""Prepare the peer's database: migrate once into a template, copy it, add the clients."""

import os
import sqlite3
import tempfile
from pathlib import Path

import django
import oauth2_provider
from django.core.management import call_command
from django.db import connections


def template_path():
    """Return where the migrated, empty database of this Django + DOT pair is kept."""
    versions = f"django{django.__version__}-dot{oauth2_provider.__version__}"
    return Path(tempfile.gettempdir()) / f"oauth2-peer-template-{versions}.sqlite3"


def _copy_sqlite(source, target):
    """Copy with SQLite's backup API: consistent even when a WAL file is pending."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def prepare_database(db_path):
    """Give ``db_path`` the migrated schema, migrating only when no template exists yet."""
    template = template_path()
    if template.exists():
        _copy_sqlite(template, db_path)
        return
    call_command("migrate", verbosity=0, interactive=False)
    connections.close_all()
    # Written under a private name then renamed, so a concurrent start never copies half a file.
    fd, partial = tempfile.mkstemp(dir=template.parent, prefix=template.name, suffix=".partial")
    os.close(fd)
    _copy_sqlite(db_path, partial)
    os.replace(partial, template)


def seed(*, username, password, client_id, client_secret, redirect_uris, cc_client_id, cc_client_secret):
    """Create the user, the web client (consent shown) and the client-credentials client.

    DOT hashes client secrets on save: the plaintext given here is what clients present.
    """
    from django.contrib.auth import get_user_model
    from oauth2_provider.models import Application

    user, _ = get_user_model().objects.get_or_create(username=username)
    user.set_password(password)
    user.save()
    Application.objects.update_or_create(client_id=client_id, defaults={
        "name": "Custom Connectors (test)",
        "user": user,
        "client_type": Application.CLIENT_CONFIDENTIAL,
        "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
        "client_secret": client_secret,
        "redirect_uris": " ".join(redirect_uris),
        "skip_authorization": False,
    })
    Application.objects.update_or_create(client_id=cc_client_id, defaults={
        "name": "Machine client (test)",
        "user": user,
        "client_type": Application.CLIENT_CONFIDENTIAL,
        "authorization_grant_type": Application.GRANT_CLIENT_CREDENTIALS,
        "client_secret": cc_client_secret,
        "redirect_uris": "",
        "skip_authorization": True,
    })
