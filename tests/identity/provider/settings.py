"""A small OpenID Connect provider (django-oauth-toolkit) that the single sign-on tests run in a process of its
own, as an agency's identity provider. Everything comes from the JSON file named by ``PROVIDER_CONFIG``, which
the test fixture writes: the issuer, the RSA key it signs ID tokens with, its SQLite file."""

import json
import os
from pathlib import Path

CONFIG = json.loads(Path(os.environ["PROVIDER_CONFIG"]).read_text())

SECRET_KEY = "provider-for-tests-only-" + "x" * 40
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "tests.identity.provider.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": CONFIG["database"]}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates",
              "DIRS": [Path(__file__).parent / "templates"], "APP_DIRS": True,
              "OPTIONS": {"context_processors": ["django.template.context_processors.request"]}}]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "/accounts/login/"
USE_TZ = True
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": CONFIG["private_key"],
    "OIDC_ISS_ENDPOINT": CONFIG["issuer"],
    "PKCE_REQUIRED": True,
    "SCOPES": {"openid": "OpenID Connect", "email": "E-mail address"},
    "OAUTH2_VALIDATOR_CLASS": "tests.identity.provider.validator.Validator",
    "ID_TOKEN_EXPIRE_SECONDS": CONFIG.get("id_token_seconds", 300),
}
LOGGING = {"version": 1, "disable_existing_loggers": True, "root": {"level": "CRITICAL", "handlers": []}}
