"""Settings from the environment (twelve-factor, django-environ). See README "Configuration"."""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").exists():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
# No fallback key outside DEBUG: a production server without SECRET_KEY refuses to start.
SECRET_KEY = (
    env("SECRET_KEY", default="insecure-development-key-for-debug-only")
    if DEBUG
    else env("SECRET_KEY")
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_fsm_log",
    "django_filters",
    "rules.apps.AutodiscoverRulesConfig",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "two_factor",
    "axes",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # The domain, lowest layer first (docs/design.md): each app imports only those above it.
    "funding",
    "notifications",
    "accounts",
    "applications",
    "reviews",
    "decisions",
    "records",
    "reporting",
    "webhooks",
    "api",
    "demo",
]

MIDDLEWARE = [
    # One log line per request (funding/logs.py), outermost so that it sees every answer.
    "funding.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "funding.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Refuses a body larger than MAX_REQUEST_BYTES (413) before anything reads it. Nothing above
    # reads the body in __call__ (CSRF reads the form in process_view, which a refusal skips);
    # below the header middleware so that the 413 page carries the same headers as any page.
    "funding.middleware.RequestSizeLimitMiddleware",
    "funding.middleware.DomainErrorMiddleware",
    # django-axes last: it turns a lockout raised by its backend into the lockout page (429).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "funding.urls"
WSGI_APPLICATION = "funding.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.inbox",
            ],
        },
    },
]

# Database: SQLite file by default (one user on a laptop), PostgreSQL in production and CI.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out user or address before the password is read.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Accounts: second factor, throttling, sessions (README "Security") -------------------------
# Coordinators, board members and admins must log in with a second factor (TOTP or a recovery
# code) while this is on; applicants and reviewers may enrol one.
REQUIRE_2FA = env.bool("REQUIRE_2FA", default=True)
TWO_FACTOR_PATCH_ADMIN = False
# The admin never shows a user's TOTP secret or QR code.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Risikokapital")
# Sessions end after SESSION_HOURS; for the privileged roles also when the browser closes.
SESSION_HOURS = env.int("SESSION_HOURS", default=8)
SESSION_COOKIE_AGE = SESSION_HOURS * 3600
# django-axes: failed logins are counted per user name and per address (separately), in the
# database, so every web process sees the same counts; a coordinator unlocks in the admin.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_FORM_FIELD = "auth-username"
# Behind reverse proxies every request would come from the proxy: count per client address as
# the proxies report it in X-Forwarded-For (TRUSTED_PROXIES: how many proxies append to it; 1
# by default with PROXY_SSL_HEADER).
AXES_CLIENT_IP_CALLABLE = "accounts.security.client_ip"
# Invitations into an organisation expire after this many days.
INVITATION_DAYS = env.int("INVITATION_DAYS", default=14)

# Language: German first, English second.
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
# Our English formats (day before month, 24-hour clock): funding/formats/en/formats.py.
FORMAT_MODULE_PATH = ["funding.formats"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]

# Documents and letters are private: never under a public URL, only through permission checks.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": "/nowhere/"},
    },
    # Outside DEBUG: hashed names and compressed copies (collectstatic, run by bin/serve), served
    # by whitenoise with far-future caching. Under DEBUG: files straight from static/.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
if env("AWS_STORAGE_BUCKET_NAME", default=""):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"default_acl": "private", "querystring_auth": True},
    }
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# A request body larger than this is refused (413) before it is read: one document plus the
# form around it. The reverse proxy in front should refuse it even earlier (README).
MAX_REQUEST_BYTES = MAX_UPLOAD_BYTES + 1024 * 1024
# The same limit while a multipart body is parsed (a body whose length was not declared).
FILE_UPLOAD_HANDLERS = [
    "funding.middleware.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Mail: console by default.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", default="Risikokapital <noreply@risikokapital.local>"
)
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# The sender printed on decision letters (the coordination office of the fund).
LETTER_SENDER = {
    key: value
    for key, value in {
        "name": env("LETTER_SENDER_NAME", default=""),
        "unit": env("LETTER_SENDER_UNIT", default=""),
        "address": env("LETTER_SENDER_ADDRESS", default=""),
        "contact": env("LETTER_SENDER_CONTACT", default=""),
        "email": env("LETTER_SENDER_EMAIL", default=""),
        "phone": env("LETTER_SENDER_PHONE", default=""),
    }.items()
    if value
}

# Celery: Redis when REDIS_URL is set, else Celery's filesystem transport in var/broker.
REDIS_URL = env("REDIS_URL", default="")
BROKER_DIR = Path(env("BROKER_DIR", default=str(VAR_DIR / "broker")))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker outage must not hang a request: publish retries are short, the sweep catches up.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "send-reminders": {
        "task": "notifications.tasks.send_reminders",
        "schedule": crontab(minute=5),
    },
    # Picks up a letter whose worker died while rendering within a few minutes.
    "sweep-letters": {
        "task": "decisions.tasks.sweep_letters",
        "schedule": timedelta(minutes=2),
    },
    "sweep-outbox": {
        "task": "notifications.tasks.sweep_outbox",
        "schedule": timedelta(minutes=5),
    },
    # Webhook deliveries whose task was lost, or whose worker died while posting.
    "sweep-webhooks": {
        "task": "webhooks.tasks.sweep_deliveries",
        "schedule": timedelta(minutes=5),
    },
    # Optional notifications that users take as a daily summary.
    "send-digests": {
        "task": "notifications.tasks.send_digests",
        "schedule": crontab(hour=7, minute=0),
    },
    "find-expired-records": {
        "task": "records.tasks.find_expired_records",
        "schedule": crontab(hour=3, minute=15),
    },
}

# Reminders are sent between these local hours (Europe/Berlin).
REMINDER_HOURS = (7, 20)
# A letter that failed to render this many times becomes `failed` (shown to the office).
LETTER_RENDER_ATTEMPTS = env.int("LETTER_RENDER_ATTEMPTS", default=5)
# Webhook endpoints must use https; plain http only for a local receiver under DEBUG, or when
# this is set (e.g. a receiver inside a private network).
WEBHOOKS_ALLOW_HTTP = env.bool("WEBHOOKS_ALLOW_HTTP", default=False)

# Caches (throttles and anything counted across processes): Redis when REDIS_URL is set, else
# the database (`manage.py createcachetable`).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("CACHE_URL", default=REDIS_URL),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "funding_cache",
        }
    }

# Logs: one line per request (funding.requests) and per task (funding.tasks), as key=value
# text or as one JSON object per line (LOG_FORMAT=json), on standard error.
LOG_FORMAT = env("LOG_FORMAT", default="text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"()": "funding.logs.KeyValueFormatter"},
        "json": {"()": "funding.logs.JSONFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
    },
}
# The worker logs through the configuration above (same format as the web processes).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- HTTPS and headers (README "Security") ------------------------------------------------------
# HTTPS is on unless DEBUG: secure cookies, HSTS and the redirect to https. HTTPS=false for a
# server reached over plain HTTP on 127.0.0.1 only (`make run`).
HTTPS = env.bool("HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env.int("HSTS_SECONDS", default=31_536_000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("HSTS_PRELOAD", default=True)
# The load balancer's health check reaches /healthz over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients).
PROXY_SSL_HEADER = env.bool("PROXY_SSL_HEADER", default=False)
if PROXY_SSL_HEADER:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=1 if PROXY_SSL_HEADER else 0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp 4): no inline script or style, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# --- The REST API (api app, docs/design.md "The API") -------------------------------------------
# Session (browser, with CSRF) or `Authorization: Token <key>` (api.models.ApiToken, stored
# hashed); every answer that is not a success is an RFC 9457 problem (api.problems).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.IsActiveUser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.IdCursorPagination",
    "PAGE_SIZE": env.int("API_PAGE_SIZE", default=50),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    # Per token (or session user) and per client address, counted in the default cache.
    "DEFAULT_THROTTLE_CLASSES": ["api.throttles.TokenRateThrottle", "api.throttles.IPRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "token": env("API_RATE_TOKEN", default="600/min"),
        "ip": env("API_RATE_IP", default="60/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# An API token's key is shown once; this many days is the longest expiry the profile offers.
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)
# How long a stored Idempotency-Key answers a retry (hours).
API_IDEMPOTENCY_HOURS = 24
SPECTACULAR_SETTINGS = {
    "TITLE": "Risikokapital API",
    "DESCRIPTION": (
        "The funding workflow of Risikokapital: the same permissions and rules as the web "
        "interface. Authenticate with `Authorization: Token <key>` (created on your profile "
        "page) or a browser session. Errors are RFC 9457 problem details."
    ),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"ApplicationStateEnum": "applications.models.State"},
}
