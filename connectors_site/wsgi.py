import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connectors_site.settings")
pages = get_wsgi_application()

from connectors_site import handlers  # noqa: E402  (once Django is set up)

# Pages through settings.MIDDLEWARE; the API's addresses through settings.API_MIDDLEWARE (handlers.py).
application = handlers.application(pages)
