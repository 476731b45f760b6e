"""Django's PostgreSQL backend with a faster reader of timestamps (``DATABASES`` names it for PostgreSQL URLs)."""
