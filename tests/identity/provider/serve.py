"""Run the test provider: migrate its own SQLite file, seed its users and client applications, then serve on
127.0.0.1 until stopped. Prints one JSON line (the users' subjects) when it is ready.

    PROVIDER_CONFIG=config.json python -m tests.identity.provider.serve
"""

import json
import os
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import django


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002  (the standard library's name)
        pass


def main() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.identity.provider.settings"
    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0)
    subjects = {}
    for user in settings.CONFIG["users"]:
        created = User.objects.create_user(user["username"], user["email"], user["password"])
        subjects[user["username"]] = str(created.pk)
    for application in settings.CONFIG["applications"]:
        Application.objects.create(
            name=application["client_id"], client_id=application["client_id"],
            client_secret=application["client_secret"], redirect_uris=application["redirect_uri"],
            client_type=Application.CLIENT_CONFIDENTIAL, authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            algorithm=Application.RS256_ALGORITHM, skip_authorization=application.get("skip_authorization", False))
    server = make_server("127.0.0.1", settings.CONFIG["port"], WSGIHandler(), server_class=_Server,
                         handler_class=_QuietHandler)
    sys.stdout.write(json.dumps({"subjects": subjects}) + "\n")
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
