"""WSGI entry point (gunicorn ``wildnet.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wildnet.settings")

application = get_wsgi_application()
