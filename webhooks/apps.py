from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        from . import signals, tasks  # noqa: F401  (events from the other apps; the queue's tasks)
