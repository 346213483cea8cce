"""Settings shared by every deployment. Everything that differs between deployments comes from the environment."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str, load_env_file

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("JIEDU_VAR_DIR", str(BASE_DIR / "var")))
load_env_file(VAR_DIR / "jiedu.env")

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "jiedu.core.admin_config.JieduAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "jiedu.core",
    "jiedu.accounts",
    "jiedu.registry",
    "jiedu.patients",
    "jiedu.pharmacy",
    "jiedu.mmt",
    "jiedu.reports",
    "jiedu.labs",
    "jiedu.referrals",
    "jiedu.community",
    "jiedu.rehab",
    "jiedu.bulletins",
    "jiedu.datasets",
    "jiedu.indicators",
    "jiedu.inspections",
    "jiedu.capability",
    "jiedu.workforce",
    "jiedu.campaigns",
    "jiedu.evaluation",
    "jiedu.demo",
    "jiedu.api",
    "jiedu.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jiedu.web.middleware.ChineseByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "jiedu.core.middleware.RequestContextMiddleware",
    "jiedu.policy.middleware.PolicyMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jiedu.web.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'jiedu.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue instead of failing; WAL lets readers work while a nurse doses.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif env_bool("DATABASE_PREPARED_STATEMENTS", True):
    # PostgreSQL: parameters bound on the server, and a statement a connection has run 5 times is prepared, so
    # the dosing window's statements are parsed and planned once per connection (ADR 0008). Turn off behind a
    # pooler in transaction mode that cannot keep prepared statements (PgBouncer before 1.21).
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"

# --- Login policy (configurable; national defaults) ---------------------------------------------------
JIEDU_LOGIN_MAX_FAILURES = env_int("JIEDU_LOGIN_MAX_FAILURES", 5)
JIEDU_LOGIN_LOCK_MINUTES = env_int("JIEDU_LOGIN_LOCK_MINUTES", 30)
JIEDU_PASSWORD_MIN_LENGTH = env_int("JIEDU_PASSWORD_MIN_LENGTH", 12)
SESSION_COOKIE_AGE = env_int("JIEDU_IDLE_TIMEOUT_MINUTES", 30) * 60  # idle timeout, renewed on every request
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ENGINE = "django.contrib.sessions.backends.db"  # server-side: logout deletes the row
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("JIEDU_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": JIEDU_PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Field encryption of identity numbers ---------------------------------------------------------------
# Comma-separated Fernet keys, newest first: the first encrypts, all decrypt (rotation).
JIEDU_FIELD_KEYS = env_list("JIEDU_FIELD_KEYS")
# Secret for the keyed hash (blind index) used for exact lookup and duplicate detection.
JIEDU_BLIND_INDEX_KEY = env_str("JIEDU_BLIND_INDEX_KEY")
# Secret for the audit hash chain (HMAC): an editor of the database cannot recompute the chain without it.
JIEDU_AUDIT_CHAIN_KEY = env_str("JIEDU_AUDIT_CHAIN_KEY")

# --- Uploads -----------------------------------------------------------------------------------------------
JIEDU_PHOTO_MAX_BYTES = env_int("JIEDU_PHOTO_MAX_BYTES", 2 * 1024 * 1024)
JIEDU_PHOTO_MAX_PIXELS = env_int("JIEDU_PHOTO_MAX_PIXELS", 640)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MEDIA_ROOT = Path(env_str("JIEDU_MEDIA_ROOT", str(VAR_DIR / "media")))  # private: served only through policy
MEDIA_URL = "/media-not-served/"

# --- Internationalisation -------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "jiedu" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

JIEDU_API_TOKEN_TTL = timedelta(days=env_int("JIEDU_API_TOKEN_TTL_DAYS", 365))
JIEDU_SEARCH_LIMIT = env_int("JIEDU_SEARCH_LIMIT", 50)
JIEDU_TRUST_X_FORWARDED_FOR = env_bool("JIEDU_TRUST_X_FORWARDED_FOR", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("JIEDU_LOG_LEVEL", "INFO")},
}

_ = _  # translatable strings in settings stay importable
