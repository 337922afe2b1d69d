from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Background jobs"

    def ready(self):
        # Register the tasks in every process (web workers enqueue them; run_huey also autodiscovers).
        from . import tasks  # noqa: F401
