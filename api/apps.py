from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"

    def ready(self):
        from . import signals, tasks  # noqa: F401  (connect links settling; the queue's tasks)
