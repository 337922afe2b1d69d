from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "health"
    verbose_name = "Connection health"

    def ready(self):
        from . import tasks  # noqa: F401  (registers the queue's tasks in every process)
