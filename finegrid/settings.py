"""Django settings. Every value a deployment may change is read from the environment;
the README's "Settings" table lists them all."""

import base64
import json
import os
import re
import secrets
import sys
import warnings
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("FINEGRID_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("FINEGRID_DEBUG")
# Demo mode allows the well-known demo passwords; they are refused otherwise.
DEMO_MODE = env_bool("FINEGRID_DEMO")


def load_secret_key() -> str:
    """FINEGRID_SECRET_KEY, or a random key made once per installation and kept in var/."""
    if key := os.environ.get("FINEGRID_SECRET_KEY"):
        return key
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = load_secret_key()


def load_personal_data_keys() -> tuple[list[str], str]:
    """Keys that protect personal data at rest (see finegrid.people.protect).

    FINEGRID_FIELD_KEYS lists AES-256 keys as ``id:base64`` separated by commas, the
    first encrypting new values; FINEGRID_LOOKUP_KEY is the HMAC key of the exact-match
    hashes. Without them, keys made once per installation are kept in var/field_keys.json.
    """
    field_keys = env_list("FINEGRID_FIELD_KEYS")
    lookup_key = os.environ.get("FINEGRID_LOOKUP_KEY", "")
    if field_keys and lookup_key:
        return field_keys, lookup_key
    key_file = VAR_DIR / "field_keys.json"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.touch(mode=0o600)
        fresh = {
            "field_keys": [f"1:{base64.b64encode(secrets.token_bytes(32)).decode()}"],
            "lookup_key": base64.b64encode(secrets.token_bytes(32)).decode(),
        }
        key_file.write_text(json.dumps(fresh))
    stored = json.loads(key_file.read_text())
    return field_keys or stored["field_keys"], lookup_key or stored["lookup_key"]


FIELD_ENCRYPTION_KEYS, LOOKUP_HASH_KEY = load_personal_data_keys()

ALLOWED_HOSTS = env_list("FINEGRID_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("FINEGRID_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "axes",
    "finegrid.accounts",
    "finegrid.territory",
    "finegrid.people",
    "finegrid.org",
    "finegrid.partners",
    "django_tasks",
    "django_tasks_db",
    "finegrid.cases",
    "finegrid.campaigns",
    "finegrid.workforce",
    "finegrid.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "finegrid.accounts.middleware.RequestIdMiddleware",
    "finegrid.web.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "finegrid.web.middleware.DomainErrorMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "finegrid.urls"
WSGI_APPLICATION = "finegrid.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "finegrid.web.context.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'finegrid.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while a writer commits; IMMEDIATE takes the write lock up front
    # so two writers queue instead of failing with "database is locked" mid-transaction.
    # A 64 MiB page cache keeps the indexes of a large import in memory.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts, passwords, login rate limiting -------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "finegrid.accounts.backends.RoleBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
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
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = int(os.environ.get("FINEGRID_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("FINEGRID_LOGIN_COOLOFF_MINUTES", "15")) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("FINEGRID_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = int(os.environ.get("FINEGRID_SESSION_HOURS", "12")) * 3600

# --- HTTPS, for a deployment behind a TLS-terminating reverse proxy ------------------------------
# With these and FINEGRID_SECURE_COOKIES set, `finegrid manage check --deploy` reports nothing.
SECURE_SSL_REDIRECT = env_bool("FINEGRID_SSL_REDIRECT")
SECURE_HSTS_SECONDS = int(os.environ.get("FINEGRID_HSTS_SECONDS") or 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("FINEGRID_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = env_bool("FINEGRID_HSTS_PRELOAD")
if proxy_header := os.environ.get("FINEGRID_PROXY_SSL_HEADER", "").strip():
    # The header the proxy sets to "https" on requests that reached it over TLS; trust it
    # only when the proxy always overwrites it.
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + proxy_header.upper().replace("-", "_"), "https")

# --- Internationalization -----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("FINEGRID_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static files: our own assets plus front-end libraries installed by npm ---------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
NODE_MODULES = Path(os.environ.get("FINEGRID_NODE_MODULES", BASE_DIR / "node_modules"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# WhiteNoise serves what `finegrid setup` collected, with gzip variants. Until then (a
# checkout before setup, a fresh FINEGRID_VAR_DIR) and in debug mode it reads the finders.
WHITENOISE_USE_FINDERS = DEBUG or not STATIC_ROOT.is_dir()
if not STATIC_ROOT.is_dir():
    # Expected before setup, since the finders serve instead: no need to warn about it.
    warnings.filterwarnings("ignore", re.escape(f"No directory at: {STATIC_ROOT}"), UserWarning)
STATICFILES_DIRS = [
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/leaflet", NODE_MODULES / "leaflet" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
]

# --- Workforce: uploaded course materials, QR check-in, induction ---------------------------------
# Uploaded files (course materials) live under the var directory and are served only through
# views that check the reader's scope, never as public media.
MEDIA_ROOT = VAR_DIR / "media"
# How long a session's check-in code shown on the trainer's screen lasts (the previous code
# is still accepted, so a code read just before it changes works).
FINEGRID_CHECK_IN_SECONDS = int(os.environ.get("FINEGRID_CHECK_IN_SECONDS", "60"))
# Days after taking their post within which a worker should attend induction training.
FINEGRID_INDUCTION_DAYS = int(os.environ.get("FINEGRID_INDUCTION_DAYS", "30"))

# --- Maps ---------------------------------------------------------------------------------------
# Base tiles: an XYZ URL template, or a 天地图 key (which selects its vector tiles and labels).
# With neither, maps draw the grids on a blank base and work offline.
MAP_TILE_URL = os.environ.get("FINEGRID_TILE_URL", "")
MAP_TILE_ATTRIBUTION = os.environ.get("FINEGRID_TILE_ATTRIBUTION", "")
TIANDITU_KEY = os.environ.get("FINEGRID_TIANDITU_KEY", "")

# --- API ----------------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50
NINJA_MAX_PER_PAGE_SIZE = 1000
API_GEOJSON_MAX_FEATURES = int(os.environ.get("FINEGRID_GEOJSON_MAX_FEATURES", "20000"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("FINEGRID_LOG_LEVEL", "WARNING")},
}

# --- Cases: uploaded photos and background work ---------------------------------------------------
MEDIA_ROOT = Path(os.environ.get("FINEGRID_MEDIA_DIR", VAR_DIR / "media"))
MEDIA_URL = "media/"
# django-tasks: the database queue (run by `finegrid cases worker`) unless told otherwise;
# tests run tasks immediately.
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS = {
    "default": {
        "BACKEND": _TASK_BACKENDS[
            os.environ.get("FINEGRID_TASK_BACKEND")
            or ("immediate" if "pytest" in sys.modules else "database")
        ]
    }
}

# --- Partners: the rating's score settings (finegrid/partners/score.py) as a JSON object
# overriding the defaults, e.g. {"weights": {"satisfaction": 50, "cases": 20, "party": 15,
# "records": 15}}. A rating period keeps the settings it was opened with.
FINEGRID_RATING = json.loads(os.environ.get("FINEGRID_RATING") or "{}")
