"""Production: every secret and address comes from the environment, with no default.

Missing SECRET_KEY, ALLOWED_HOSTS or DATABASE_URL, or a SECRET_KEY shorter than 50 characters,
stops start-up with ImproperlyConfigured.
"""

from django.core.exceptions import ImproperlyConfigured

from il2monitor.env import env
from il2monitor.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
# Django's own deploy check asks for at least 50 characters; a shorter key is guessable.
SECRET_KEY_MIN_LENGTH = 50
if len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH:
    raise ImproperlyConfigured(
        f"SECRET_KEY must be at least {SECRET_KEY_MIN_LENGTH} characters long "
        f"(it has {len(SECRET_KEY)}): generate one with "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set the ALLOWED_HOSTS environment variable.")
DATABASES = {"default": env.db_url("DATABASE_URL")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    raise ImproperlyConfigured("Production needs PostgreSQL: DATABASE_URL must be postgres://.")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
REDIS_URL = env("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
if IL2_ALERT_WEBHOOK_URL and not IL2_ALERT_WEBHOOK_SECRET:  # noqa: F405
    raise ImproperlyConfigured("IL2_ALERT_WEBHOOK_URL needs IL2_ALERT_WEBHOOK_SECRET to sign it.")
