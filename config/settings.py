"""Settings, read from environment variables with safe defaults for a first run.

With no configuration the product runs on SQLite with an embedded Celery broker; production sets
``DJANGO_DEBUG=0``, ``DJANGO_SECRET_KEY``, ``DJANGO_ALLOWED_HOSTS``, ``DATABASE_URL`` and
``REDIS_URL`` (see README.md). Production only tightens what development allows.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

# Absolute base of links in emails, e.g. https://zhaoshang.hulin.gov.cn
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # django.contrib.admin, with a site that writes every admin change to the security log
    "crm.apps.CrmAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "csp",
    "rest_framework",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "crm",
    "leads",
    "projects",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The Content-Security-Policy header on every page, error pages included (settings below).
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After SessionMiddleware: marks the session for saving when its renewal is due.
    "crm.sessions.SessionRenewalMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "crm.http.NotFoundMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page or JSON.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "crm.context_processors.navigation",
                "crm.context_processors.reminders",
                "leads.context_processors.approvals",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        # A kept connection that the server dropped is replaced, not answered with a 500.
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "crm.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:landing"
LOGOUT_REDIRECT_URL = "login"
# django-axes first: it refuses a locked-out username + address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Validators apply when a password is set through a form (profile, admin), not to seed_demo.
PASSWORD_MIN_LENGTH = int(os.environ.get("PASSWORD_MIN_LENGTH", "10"))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "crm.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# A session ends after this many idle minutes: a request renews the cookie and the row when the
# last renewal is SESSION_RENEW_SECONDS old (crm.sessions), not with a write on every page.
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "120"))
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_RENEW_SECONDS = 60

# Sign-in lockout (django-axes): AXES_FAILURE_LIMIT wrong passwords for one username from one
# address lock that pair for AXES_COOLOFF_MINUTES. Username AND address, so that an attacker
# behind an office's shared NAT address locks out only the names they try, not the whole office,
# and one user's colleagues can still sign in from the same address.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_MINUTES = int(os.environ.get("AXES_COOLOFF_MINUTES", "15"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Tries during a lock do not extend it, so "try again in N minutes" stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "crm.security.client_address"
AXES_LOCKOUT_CALLABLE = "crm.views.lockout_response"
# Sign-ins and sign-outs are kept in the security log (crm.SecurityEvent), not twice.
AXES_DISABLE_ACCESS_LOG = True
# The locks are shown by crm.admin (with the unlock action that writes the security log).
AXES_ENABLE_ADMIN = False

# API tokens (crm.tokens): a new one at every sign-in, valid this many days.
API_TOKEN_TTL_DAYS = int(os.environ.get("API_TOKEN_TTL_DAYS", "30"))
# Requests per client address to the token endpoint, on top of the lockout.
API_TOKEN_THROTTLE_RATE = os.environ.get("API_TOKEN_THROTTLE_RATE", "10/min")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Attachments of leads, projects and 对上争取 (crm.attachments): files under MEDIA_ROOT, or in
# an S3-compatible store (MinIO, a cloud's object storage) when AWS_STORAGE_BUCKET_NAME is
# set. Never served by URL: MEDIA_URL is routed nowhere and whitenoise serves only STATIC_ROOT,
# so every download goes through crm.files_views, which checks who asks each time.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
ATTACHMENT_MAX_MB = int(os.environ.get("ATTACHMENT_MAX_MB", "20"))
# Above 0, a download from S3 redirects (after the check) to a presigned URL valid this long.
ATTACHMENT_PRESIGNED_SECONDS = int(os.environ.get("ATTACHMENT_PRESIGNED_SECONDS", "0"))
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    ATTACHMENT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            # e.g. http://minio.intranet:9000; empty for AWS itself
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            # Empty: boto3 finds the keys itself (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).
            "access_key": os.environ.get("AWS_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("AWS_S3_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("AWS_LOCATION", ""),
            # MinIO and most stores on an intranet address buckets by path, not by host name.
            "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE") or None,
            "signature_version": "s3v4",
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
else:
    ATTACHMENT_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT},
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "attachments": ATTACHMENT_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an API client without credentials gets 401 with WWW-Authenticate.
        "crm.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON with a size and depth limit (crm.parsers.JSONParser); forms for the token endpoint.
    "DEFAULT_PARSER_CLASSES": [
        "crm.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "COERCE_DECIMAL_TO_STRING": True,
    "EXCEPTION_HANDLER": "crm.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

# The OpenAPI contract (/api/v1/schema/, Swagger UI at /api/v1/docs/): Swagger UI and Redoc
# come from drf-spectacular-sidecar's static files, never from a CDN (the intranet has none).
SPECTACULAR_SETTINGS = {
    "TITLE": "招商线索管理系统 API",
    "DESCRIPTION": (
        "招商线索、项目、项目看板与对上争取的 REST 接口；与页面共用同一套业务规则、筛选与可见范围。"
        '错误统一为 JSON：`{"detail", "code", "errors"}`。\n\n'
        "REST API of the investment-attraction CRM: leads, projects, the project board and "
        "support applications, with the same rules, filters and visibility as the pages. "
        'Errors are JSON `{"detail", "code", "errors"}`.'
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Signed-in users only (token or session), like every endpoint it describes.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Stage and status sets share field names ("status", "to"): one named enum per set.
    "ENUM_NAME_OVERRIDES": {
        "LeadStageEnum": "leads.models.Lead.Stage",
        "ProjectStatusEnum": "projects.models.Project.Status",
        "SupportApplicationStatusEnum": "projects.models.SupportApplication.Status",
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums"],
}

# How many days a lead may go without a follow-up in each active stage before it is overdue.
LEAD_STALE_DAYS = {
    "collect": int(os.environ.get("LEAD_STALE_DAYS_COLLECT", "14")),
    "screen": int(os.environ.get("LEAD_STALE_DAYS_SCREEN", "7")),
    "dock": int(os.environ.get("LEAD_STALE_DAYS_DOCK", "7")),
    "serve": int(os.environ.get("LEAD_STALE_DAYS_SERVE", "30")),
}

# Celery: Redis when REDIS_URL is set; otherwise kombu's filesystem transport, so a fresh
# machine runs the worker and beat with nothing else installed.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_QUEUE_DIR = Path(os.environ.get("CELERY_QUEUE_DIR", BASE_DIR / "var" / "celery"))
# Every Redis connection gives up after this long, connecting AND waiting for an answer: a web
# request that enqueues while Redis refuses, hangs or crawls fails fast (the reminder stays
# pending and the next beat tick enqueues it). Above kombu's one-second BRPOP wait.
REDIS_TIMEOUT_SECONDS = float(os.environ.get("REDIS_TIMEOUT_SECONDS", "2"))
REDIS_BROKER_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
    "socket_timeout": REDIS_TIMEOUT_SECONDS,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_TIMEOUT_SECONDS
CELERY_REDIS_SOCKET_TIMEOUT = REDIS_TIMEOUT_SECONDS
# After a failed enqueue, web requests leave reminders to the beat tick for this long.
BROKER_RETRY_AFTER_SECONDS = float(os.environ.get("BROKER_RETRY_AFTER_SECONDS", "30"))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_BROKER_OPTIONS
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_RESULT_BACKEND = None
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_QUEUE_DIR / "queue"),
        "data_folder_out": str(CELERY_QUEUE_DIR / "queue"),
        "processed_folder": str(CELERY_QUEUE_DIR / "processed"),
        "control_folder": str(CELERY_QUEUE_DIR / "control"),
        "store_processed": False,
    }
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Publishing is tried once: with the timeouts above a web request waits at most about
# REDIS_TIMEOUT_SECONDS for a broken broker (redis-py itself replaces a pooled connection
# that Redis closed); what was not enqueued stays pending for the next tick.
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT_SECONDS
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_QUEUE_DIR / "celerybeat-schedule")
# The beat only ticks; the send time lives in the database (admin → 提醒设置), so changing it
# needs no deploy. The tick also enqueues reminders that could not be enqueued earlier.
CELERY_BEAT_SCHEDULE = {
    "reminders-tick": {
        "task": "crm.tasks.reminders_tick",
        "schedule": float(os.environ.get("REMINDER_TICK_SECONDS", "60")),
        "options": {"expires": 55},
    },
    # The security log keeps SECURITY_LOG_RETENTION_DAYS (at least 180) and then forgets.
    "security-log-purge": {
        "task": "crm.security_tasks.security_log_purge",
        "schedule": 24 * 60 * 60.0,
        "options": {"expires": 60 * 60},
    },
}
# Sending a reminder: retries on mail errors with doubling delays from the base (plus jitter),
# capped; a pending reminder enqueued longer ago than REQUEUE_AFTER is considered lost.
REMINDER_MAX_RETRIES = int(os.environ.get("REMINDER_MAX_RETRIES", "5"))
REMINDER_RETRY_BASE_SECONDS = float(os.environ.get("REMINDER_RETRY_BASE_SECONDS", "60"))
REMINDER_RETRY_MAX_SECONDS = float(os.environ.get("REMINDER_RETRY_MAX_SECONDS", "900"))
REMINDER_REQUEUE_AFTER_SECONDS = int(os.environ.get("REMINDER_REQUEUE_AFTER_SECONDS", "7200"))
# Task forces' group robots (crm.notifications.webhooks): only these hosts (SSRF), https
# unless WEBHOOK_ALLOW_HTTP (development and tests with a local fake robot), a short timeout.
WEBHOOK_ALLOWED_HOSTS = env_list("WEBHOOK_ALLOWED_HOSTS", "qyapi.weixin.qq.com,oapi.dingtalk.com")
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", DEBUG)
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "5"))

# Mail, under Django's own setting names. Development prints mail to the console.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
# The demo run script writes mail to files under var/mail instead (filebased backend).
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "招商线索管理系统 <noreply@localhost>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # axes logs every successful sign-in at INFO; the security log already records them.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# Transport security (README → Configuration). With DJANGO_DEBUG=0 the site is assumed to be
# served over HTTPS: cookies are Secure and plain-HTTP requests are redirected. Behind the
# reverse proxy (docs/deploy/nginx-zhaoshang.conf) Django learns that a request came over HTTPS
# from X-Forwarded-Proto, and the client's address from X-Forwarded-For; both only when told,
# since anyone can send those headers to a server that is reachable directly. With the values
# the README lists for production, ``manage.py check --deploy`` reports nothing.
INTRANET_HTTP = env_bool("DJANGO_INTRANET_HTTP", False)
if INTRANET_HTTP:
    # Plain HTTP on purpose (an intranet without certificates). A Secure cookie never comes back
    # over HTTP, so every sign-in would fail with a CSRF 403, and a redirect to HTTPS or an HSTS
    # header would send browsers to a port nothing listens on: these are off, and check --deploy
    # is told so for exactly these (HSTS, SSL redirect, Secure session and CSRF cookies).
    SESSION_COOKIE_SECURE = False
    CSRF_COOKIE_SECURE = False
    SECURE_SSL_REDIRECT = False
    SECURE_HSTS_SECONDS = 0
    SILENCED_SYSTEM_CHECKS = ["security.W004", "security.W008", "security.W012", "security.W016"]
    # Browsers ignore Cross-Origin-Opener-Policy on an http origin (and complain in the console).
    SECURE_CROSS_ORIGIN_OPENER_POLICY = None
else:
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", not DEBUG)
    # Off until set: browsers remember HSTS for this long, so it is turned on once HTTPS works.
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0"))
    SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Read by crm.security.client_address (security log, sign-in lockout).
USE_X_FORWARDED_FOR = env_bool("USE_X_FORWARDED_FOR", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"

# Content-Security-Policy (django-csp 4): scripts, styles, fonts and requests from this site
# only. No template holds an inline script, event handler or style attribute (the behaviour is
# in static/js/, the looks in static/css/), so an injected <script> or onclick does nothing;
# tests/crm/test_deploy_settings.py and tests/browser/test_csp.py keep it so. data: images are
# allowed for the icons the admin's and Swagger UI's style sheets embed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# The cockpit's and the 图谱's figures are kept per reader (crm.snapshots). After a write, kept
# figures younger than this many seconds are still shown at once, marked with their time, while
# a worker recomputes them; older ones are computed in the request. 0: always in the request.
FIGURES_STALE_SECONDS = int(os.environ.get("FIGURES_STALE_SECONDS", "120"))

SITE_NAME = _("招商线索管理系统")
# The county (or county-level city) the bureau serves: the reports' titles (「虎林市招商工作周报」).
COUNTY_NAME = os.environ.get("COUNTY_NAME", "虎林市")

# The security log (crm.security): kept this many days, never fewer than 180 (等保 2.0).
SECURITY_LOG_RETENTION_DAYS = int(os.environ.get("SECURITY_LOG_RETENTION_DAYS", "180"))

# One cache shared by every worker process of this machine, so the sign-in throttle counts a
# client across gunicorn workers; a file cache needs no service that could hang a request.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ.get("CACHE_DIR", str(BASE_DIR / "var" / "cache")),
        # Past this many files Django deletes a third of them at random; the figures kept
        # per reader (crm.snapshots) number a few per leader and period.
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }
}
