import email
import email.policy

import pytest

from tests.peers.servers import free_port


class Inbox:
    """What a real SMTP server (aiosmtpd) on loopback received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append({"to": envelope.rcpt_tos, "subject": message["subject"],
                              "body": message.get_body(("plain",)).get_content()})
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    """Run aiosmtpd on 127.0.0.1 and send this test's email there through Django's SMTP backend."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.CONNECTORS_SITE_URL = "https://connectors.example.test"
    yield inbox
    controller.stop()
