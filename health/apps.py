from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "health"
    verbose_name = "Connection health"

    def ready(self):
        from builder import sections

        from . import forms, tasks  # noqa: F401  (tasks: registers the queue's tasks in every process)

        sections.register(forms.SECTION)  # the interval on the builder's Security page
