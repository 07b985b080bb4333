"""Settings for the Hanoi training-compliance product, read from the environment.

Every deployment knob is an environment variable so that the same code runs as a first-run
SQLite demo, in CI on PostgreSQL, and in production (``DJANGO_ENV=production``).
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    """Return the boolean value of an environment variable ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Return a comma-separated environment variable as a list of non-empty items."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DJANGO_ENV = os.environ.get("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise RuntimeError("SECRET_KEY must be set when DJANGO_ENV=production")
    # Development only: a fixed key so sessions survive restarts of `make run`.
    SECRET_KEY = "dev-insecure-key-change-me-in-production-0123456789abcdefghijklmnopqrstuvwxyz"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_htmx",
    "backups",
    "synthetic",
    "accounts",
    "personnel",
    "training",
    "targets",
    "reports",
    "console",
    "exchange",
    "approvals",
    "api",
    "planning",
    "hr",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.hardening.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "accounts.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# SQLite file by default (a first run needs nothing installed); PostgreSQL in CI and production.
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL lets the dashboard read while an import writes.
    DATABASES["default"]["OPTIONS"].setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Redis when REDIS_URL is set (several app servers share it); otherwise a per-process memory cache.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Vietnamese first, English second.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# dd/mm/yyyy everywhere, in both languages (Vietnamese convention).
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# In development and tests WhiteNoise serves straight from the finders, so no collectstatic is needed.
WHITENOISE_USE_FINDERS = not PRODUCTION
# `make run` serves the product without DEBUG (its own error pages): static files still come from the apps.
WHITENOISE_AUTOREFRESH = not PRODUCTION
STATIC_ROOT.mkdir(exist_ok=True)
# The user guide's screenshots (docs/guide/img/, taken by the browser tests) are served as /static/guide/….
STATICFILES_DIRS = [BASE_DIR / "static", ("guide", BASE_DIR / "docs" / "guide" / "img")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Every API error in JSON: a uniqueness race is a 409, the unexpected a JSON 500 (api/errors.py).
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "API đào tạo, bồi dưỡng cán bộ Hà Nội",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Upload limits for spreadsheet imports (issue: safety limits).
IMPORT_MAX_FILE_SIZE = int(os.environ.get("IMPORT_MAX_FILE_SIZE", 10 * 1024 * 1024))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", 200_000))
IMPORT_MAX_XLSX_UNCOMPRESSED = int(os.environ.get("IMPORT_MAX_XLSX_UNCOMPRESSED", 200 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_FILE_SIZE + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# The programme the dashboard, API and commands use when none is named.
DEFAULT_PROGRAMME = os.environ.get("DEFAULT_PROGRAMME", "HN-2021-2025")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "django.security": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "hanoi.audit": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# API tokens (django-rest-knox): only a hash is stored; each token expires after API_TOKEN_TTL_HOURS.
from datetime import timedelta  # noqa: E402

REST_KNOX = {"TOKEN_TTL": timedelta(hours=int(os.environ.get("API_TOKEN_TTL_HOURS", "10"))), "AUTO_REFRESH": False}

# API schema: separate request and response components (read-only fields stay out of requests), and one
# name per code list.
SPECTACULAR_SETTINGS.update(
    {
        "DESCRIPTION": (
            "Đơn vị, cán bộ, văn bằng, khóa học, kết quả đào tạo, bổ nhiệm, chương trình, chỉ tiêu và số liệu thực "
            "hiện chỉ tiêu. Xác thực bằng phiên đăng nhập hoặc token (POST /api/v1/auth/login/). Thông báo lỗi bằng "
            "tiếng Việt, hoặc tiếng Anh với tiêu đề Accept-Language: en."
        ),
        "COMPONENT_SPLIT_REQUEST": True,
        "ENUM_NAME_OVERRIDES": {
            "UnitLevelEnum": "personnel.choices.UnitLevel",
            "CategoryEnum": "personnel.choices.Category",
            "GenderEnum": "personnel.choices.Gender",
            "LeadershipLevelEnum": "personnel.choices.LeadershipLevel",
            "QualificationKindEnum": "personnel.choices.QualificationKind",
            "AppointmentKindEnum": "personnel.choices.AppointmentKind",
            "IndicatorKindEnum": "targets.models.IndicatorKind",
            "TrainingResultEnum": "training.choices.TrainingResult",
            "RosterResultEnum": "planning.models.RosterResult",
        },
    }
)

# ---------------------------------------------------------------------------------------------------------------------
# Security (issue "Trustworthy with 250,000 people's personal data"). Code the settings name is in config/security.py.
# ---------------------------------------------------------------------------------------------------------------------
from csp.constants import NONE, SELF  # noqa: E402

INSTALLED_APPS += ["csp", "axes"]
MIDDLEWARE += [
    "csp.middleware.CSPMiddleware",
    # Ends idle (30 min) and old (12 h) sessions; needs request.user, so after AuthenticationMiddleware.
    "accounts.middleware.SessionTimeoutMiddleware",
    # The role kept with the session, on the request's user: no query for the groups on each page.
    "accounts.middleware.SessionRoleMiddleware",
    # django-axes wants to be last: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Argon2 first: new and re-hashed passwords use it; older hashes still verify and are upgraded at login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# Content-Security-Policy in every environment, so tests and development meet violations before production does:
# only the app's own scripts, styles, fonts and images; no inline script or style, no other origin, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Sessions end after SESSION_IDLE_TIMEOUT of inactivity and SESSION_ABSOLUTE_TIMEOUT after login
# (accounts.middleware.SessionTimeoutMiddleware); the cookie never outlives the absolute limit.
SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", 30 * 60))
SESSION_ABSOLUTE_TIMEOUT = int(os.environ.get("SESSION_ABSOLUTE_TIMEOUT", 12 * 60 * 60))
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Login protection (django-axes): 5 failures of one username from one address lock that pair for 15 minutes
# (colleagues behind the same office NAT, and the same person from elsewhere, can still log in); a success resets
# that pair. Against password spraying (a few passwords tried on every account), one address is also locked after
# AXES_ADDRESS_FAILURE_LIMIT failures over all usernames within the same 15 minutes (config/login_limits.py).
AUTHENTICATION_BACKENDS = [
    "config.security.LoginProtectionBackend",
    "accounts.backends.ModelBackend",  # Django's, reading the user's unit with the user
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]  # the pair first (config/login_limits.py)
AXES_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", "20"))
AXES_HANDLER = "config.login_limits.LoginProtectionHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.security.lockout_response"  # JSON for the API, accounts/lockout.html otherwise
AXES_CLIENT_IP_CALLABLE = "config.security.client_ip"
AXES_VERBOSE = False  # our own audit log (accounts/audit.py) records each attempt, without axes' extra lines
# Each failure is kept (axes' AccessFailureLog): the users pages show an account's recent failed logins.
AXES_ENABLE_ACCESS_FAILURE_LOG = True

if PRODUCTION:
    # Everything over HTTPS. Behind a reverse proxy that terminates TLS, set SECURE_PROXY_SSL_HEADER to the header
    # it sets and its HTTPS value, e.g. "HTTP_X_FORWARDED_PROTO=https" (and make sure the proxy overwrites that
    # header from clients), and TRUSTED_PROXY_COUNT to the number of proxies appending to X-Forwarded-For.
    # TRUSTED_PROXY_COUNT only behind a proxy that overwrites (or appends to) X-Forwarded-For, and with the app out of
    # the internet's reach: the app refuses to start when it is set and LISTEN_ADDRESS (the address gunicorn binds,
    # see gunicorn.conf.py) is public; gunicorn checks its real binds again when it starts.
    from config.proxies import proxy_setting_problem

    if _problem := proxy_setting_problem():
        raise RuntimeError(_problem)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    if os.environ.get("SECURE_PROXY_SSL_HEADER"):
        _header, _, _value = os.environ["SECURE_PROXY_SSL_HEADER"].partition("=")
        SECURE_PROXY_SSL_HEADER = (_header.strip(), _value.strip() or "https")
    SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # "__Host-" cookies: browsers accept them only with Secure, Path=/ and no Domain, so no subdomain can set them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_PATH = "/"
    CSRF_COOKIE_PATH = "/"
    SESSION_COOKIE_DOMAIN = None
    CSRF_COOKIE_DOMAIN = None

# --- Import jobs (exchange app) -------------------------------------------------------------------------------------
# Previews, loads and undos of uploaded spreadsheets are tasks of django-tasks (Django 6's django.tasks, backported),
# queued in the database by django-tasks-db (SQLite and PostgreSQL alike). Production runs one or more
# `manage.py run_import_jobs` workers (django-tasks-db's db_worker plus the watchman that finds dead jobs) and sets
# IMPORT_JOBS_THREAD=0 on the web servers. With IMPORT_JOBS_THREAD on (the default, so `make run` needs nothing
# else), each web process runs the same tasks and watchman in a thread started by its first request.
# IMPORT_JOBS_INLINE runs each job at once in the caller (django-tasks' ImmediateBackend; tests). A job without a
# heartbeat for IMPORT_JOB_STALE_SECONDS (its worker died) is queued again, or failed after three tries of its stage.
INSTALLED_APPS += ["django_tasks", "django_tasks_db"]
TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    "inline": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
}
IMPORT_JOBS_INLINE = env_bool("IMPORT_JOBS_INLINE", False)
IMPORT_JOBS_THREAD = env_bool("IMPORT_JOBS_THREAD", True)
IMPORT_JOB_STALE_SECONDS = int(os.environ.get("IMPORT_JOB_STALE_SECONDS", "30"))

# --- Multi-factor login (accounts/mfa.py) ---------------------------------------------------------------------------
# Admins and importers (permission exchange.add_importbatch) enter the 6-digit code of an authenticator app (TOTP,
# django-otp) after their password; one without an app enrols at first login. The session timeout runs first, then
# OTPMiddleware marks the session verified or not, then accounts' MfaRequiredMiddleware keeps an unverified one on
# the code page (403 JSON on the API; API token requests are let through). Wrong codes are throttled by accounts.mfa
# (not django-otp, whose throttle made the right code typed after one mistake wait): two mistakes cost nothing, then
# after n failures the next try waits 2^(n-1) seconds.
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp"]
_axes = MIDDLEWARE.index("axes.middleware.AxesMiddleware")  # axes stays last
MIDDLEWARE[_axes:_axes] = ["django_otp.middleware.OTPMiddleware", "accounts.mfa_middleware.MfaRequiredMiddleware"]
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Đào tạo CBCCVC Hà Nội")
OTP_TOTP_THROTTLE_FACTOR = 0  # our own throttle (accounts.mfa.wait_seconds) lets a few mistakes through
# The Django admin lists devices (to delete a lost one) but never shows their secrets, even to another admin.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Personal data in error reports (accounts/privacy.py, config/error_reports.py) ---------------------------------
# With DEBUG off, error e-mails and reports show no POST value (field names only) and mask citizen IDs quoted in an
# exception's message; the error pages themselves are templates/403.html, 404.html and 500.html, with no traceback.
DEFAULT_EXCEPTION_REPORTER_FILTER = "config.error_reports.PrivateExceptionReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "config.error_reports.PrivateExceptionReporter"

# --- E-mail (planning reminders: python manage.py send_reminders) -----------------------------------------------------
# Development prints e-mails on the console; production sends through the SMTP server given in the environment.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "1") not in ("0", "false", "False", "")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "dao-tao@hanoi.gov.vn")
