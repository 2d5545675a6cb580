"""Settings shared by every environment. Environment-specific modules import from here."""

import django_stubs_ext

from il2monitor.env import BASE_DIR, VAR_DIR, env

# The annotations' generic Django classes (ModelAdmin[Patient], QuerySet[Dose]) at run time.
django_stubs_ext.monkeypatch()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

SITE_NAME = env("IL2_SITE_NAME", default="IL-2 Monitor")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "simple_history",
    "axes",
    "csp",
    "patients",
    "therapy",
    "il2monitor.tokens",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise, so static files keep their own (long) cache headers and no CSP.
    "csp.middleware.CSPMiddleware",
    "il2monitor.middleware.NoStoreMiddleware",
    "il2monitor.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # django-axes must be last: it turns a lockout into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "il2monitor.urls"
WSGI_APPLICATION = "il2monitor.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "il2monitor.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL selects PostgreSQL (postgres://user@host:5432/name). Without it, an embedded
# SQLite file in var/ (local development only; production refuses to start without a URL).
SQLITE_PATH = VAR_DIR / "il2monitor.sqlite3"
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web server, worker and beat share the file: wait for locks instead of failing, and take
    # the write lock at the start of a transaction so concurrent writers queue cleanly.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # django-axes first, so a locked-out user is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # by role: il2monitor.views.home
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 60 * 60)  # one ward shift

# django-axes: lock a username+IP pair out after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# The second checker of a dose (therapy/mar/verifier.py): failed confirmations are counted per
# (nurse giving, checker's username) in the "throttle" cache, never by django-axes, so a
# colleague's mistyping never locks the checker's own sign-in.
IL2_VERIFIER_FAILURE_LIMIT = env.int("IL2_VERIFIER_FAILURE_LIMIT", default=5)
IL2_VERIFIER_FAILURE_WINDOW_MINUTES = env.int("IL2_VERIFIER_FAILURE_WINDOW_MINUTES", default=15)
IL2_VERIFIER_BLOCK_MINUTES = env.int("IL2_VERIFIER_BLOCK_MINUTES", default=15)

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("IL2_TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- REST framework ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes an anonymous request a 401, not a 403.
    # API tokens (il2monitor.tokens): hashed, created by an admin, scoped, revocable.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "il2monitor.tokens.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "il2monitor.permissions.RolePermission",
        "il2monitor.tokens.permissions.TokenScopePermission",
    ],
    # Per token (sessions are not throttled); counted in the "throttle" cache below.
    "DEFAULT_THROTTLE_CLASSES": ["il2monitor.tokens.throttling.ApiTokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_token": env("API_TOKEN_RATE", default="600/min")},
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # DRF's JSON parser, refusing NUL characters and absurd nesting with a 400.
    "DEFAULT_PARSER_CLASSES": ["il2monitor.parsers.StrictJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "il2monitor.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # drf-spectacular's, plus the contract's error responses on every operation.
    "DEFAULT_SCHEMA_CLASS": "il2monitor.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "il2monitor.exceptions.exception_handler",
    "DATETIME_FORMAT": "iso-8601",
    # Every datetime sent to the API carries its UTC offset (api-contract.md v2): only formats
    # ending in %z (which takes Z, +hh:mm or +hhmm), so "2026-11-30" and "2026-11-30T10:00"
    # are a 400 in every serializer, never a guess in the server's time zone.
    # il2monitor.exceptions words the error.
    "DATETIME_INPUT_FORMATS": [
        f"%Y-%m-%d{separator}%H:%M{seconds}%z"
        for separator in ("T", " ")
        for seconds in (":%S.%f", ":%S", "")
    ],
    "COERCE_DECIMAL_TO_STRING": False,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "IL-2 Monitor API",
    "DESCRIPTION": (
        "Public REST contract v1 of IL-2 Monitor: patient records and admissions for inpatient "
        "high-dose interleukin-2 therapy. Authenticate with a session (and CSRF) or "
        "`Authorization: Token <key>` (an API token from an admin; read-only tokens may only "
        "GET). The read-only FHIR R4 export under `/fhir/r4/` is described here too; its "
        "bodies are FHIR resources (`application/fhir+json`), its errors OperationOutcome."
    ),
    "VERSION": "1.0.0",
    "LICENSE": {"name": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"},
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Names of choice sets shared by a field name (keeps "SeverityEnum" the alerts' own).
    "ENUM_NAME_OVERRIDES": {
        "SeverityEnum": "therapy.models.Severity",
        "VlsSeverityEnum": "therapy.api.summary.VLS_SEVERITIES",
        "VlsSignStatusEnum": "therapy.api.summary.SIGN_STATUSES",
        "TherapyStatusEnum": "therapy.api.summary.THERAPY_STATUSES",
        "OxygenDeviceEnum": "patients.models.OxygenDevice",
        "DoseTimingEnum": "therapy.state.patient_state.DOSE_TIMING",
        "VitalsTimingEnum": "therapy.state.patient_state.VITALS_TIMING",
        "ConsciousnessEnum": "patients.models.Consciousness",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "therapy.fhir.schema.restore_operation_paths",  # FHIR's "$summary"
        "il2monitor.openapi.generator_friendly",  # typed nullables, summaries (issue 15)
    ],
    # Paths are relative to the server that serves the schema.
    "SERVERS": [{"url": "/", "description": "This server"}],
    # Swagger UI and ReDoc from the app's own static files: nothing loads from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    # No badge from validator.swagger.io: nothing loads from another site (CSP, no CDN).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Signed in; a device-feed token may post HL7 and nothing else, not even read the schema.
    "SERVE_PERMISSIONS": [
        "rest_framework.permissions.IsAuthenticated",
        "il2monitor.tokens.permissions.TokenScopePermission",
    ],
}

# --- Security headers (docs/architecture.md, "Security headers") ------------------------------
# django-csp: scripts, styles and everything else from this server only; no inline script
# (the pages' scripts are files in static/js/), no plugin, no framing. Style *attributes* are
# allowed (the admin's and django-simple-history's templates use a few; an attribute cannot
# run code), <style> elements are not. The API docs' ReDoc page alone adds inline styles and
# a blob: worker (il2monitor/api.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Celery -----------------------------------------------------------------------------------
# REDIS_URL selects Redis as the broker. Without it the worker, beat and web server exchange
# messages through a folder in var/ (kombu's filesystem transport): no server needed, and the
# tasks really run in a separate worker process.
REDIS_URL = env("REDIS_URL", default="")
CELERY_QUEUE_DIR = VAR_DIR / "celery-queue"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 600}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_QUEUE_DIR / "messages"),
        "data_folder_out": str(CELERY_QUEUE_DIR / "messages"),
        "processed_folder": str(CELERY_QUEUE_DIR / "processed"),
        "store_processed": False,
        # The exchange tables (kombu writes them to ./control by default): under var/ too.
        "control_folder": str(CELERY_QUEUE_DIR / "control"),
    }
    for _folder in ("messages", "processed", "control"):
        (CELERY_QUEUE_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60
CELERY_TASK_SOFT_TIME_LIMIT = 45
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="il2monitor")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must not hang a nurse's save when the broker is down: fail fast, and the sweep
# (therapy.tasks.evaluation_sweep) catches up once the broker is back.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = TIME_ZONE

# --- Caches -----------------------------------------------------------------------------------
# The API token throttle counts in "throttle": Redis when there is one, so every web worker
# counts together (short timeouts: a Redis outage must not hang a request; the throttle then
# lets the request through).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "il2monitor",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"}
    ),
    # The ward board's rendered rows, keyed by each patient's state version, and the boards a
    # reader was last sent (therapy.pages.board_cache): shared by every web worker on Redis.
    "pages": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "il2monitor-pages",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"}
    ),
}

# --- Alerting policy (clinical-rules.md §6; project defaults, changeable per site) -----------
IL2_ESCALATE_EMERGENCY_MINUTES = env.int("IL2_ESCALATE_EMERGENCY_MINUTES", default=15)
IL2_ESCALATE_URGENT_MINUTES = env.int("IL2_ESCALATE_URGENT_MINUTES", default=60)
IL2_DOSE_OVERDUE_MINUTES = env.int("IL2_DOSE_OVERDUE_MINUTES", default=30)
IL2_ALERT_EMAIL_TO: list[str] = env.list("IL2_ALERT_EMAIL_TO", default=[])
IL2_ALERT_WEBHOOK_URL = env("IL2_ALERT_WEBHOOK_URL", default="")
IL2_ALERT_WEBHOOK_SECRET = env("IL2_ALERT_WEBHOOK_SECRET", default="")
IL2_MONITOR_TICK_SECONDS = env.int("IL2_MONITOR_TICK_SECONDS", default=60)
# (v2) An admitted patient with no successful evaluation for this long raises monitor_failure.
IL2_MONITOR_STALE_MINUTES = env.int("IL2_MONITOR_STALE_MINUTES", default=10)
# The notification outbox: a failed send is retried with backoff (1, 2, 4... min, at most
# IL2_NOTIFY_BACKOFF_MAX_MINUTES apart) up to IL2_NOTIFY_MAX_ATTEMPTS attempts; a send left
# "sending" longer than IL2_NOTIFY_SENDING_TIMEOUT_MINUTES (its worker died) is sent again.
IL2_NOTIFY_MAX_ATTEMPTS = env.int("IL2_NOTIFY_MAX_ATTEMPTS", default=30)
IL2_NOTIFY_BACKOFF_MAX_MINUTES = env.int("IL2_NOTIFY_BACKOFF_MAX_MINUTES", default=5)
IL2_NOTIFY_SENDING_TIMEOUT_MINUTES = env.int("IL2_NOTIFY_SENDING_TIMEOUT_MINUTES", default=5)
# How often the ward board refreshes itself in the browser.
IL2_BOARD_REFRESH_SECONDS = env.int("IL2_BOARD_REFRESH_SECONDS", default=30)

# --- FHIR export (docs/fhir.md) ----------------------------------------------------------------
# The hospital's namespace for MRNs in Patient.identifier.system.
IL2_FHIR_MRN_SYSTEM = env("IL2_FHIR_MRN_SYSTEM", default="urn:il2monitor:mrn")

# --- Logging ----------------------------------------------------------------------------------
# Logs carry patient ids, never names or MRNs.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="il2monitor@localhost")
