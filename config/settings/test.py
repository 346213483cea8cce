"""Test settings: fixed throw-away keys so the suite needs no secrets; DATABASE_URL selects the engine."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production-0123456789")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("JIEDU_SECURE_COOKIES", "false")
# Two keys: the first encrypts, the second (an older key) still decrypts. Tests exercise rotation.
os.environ.setdefault(
    "JIEDU_FIELD_KEYS",
    "4_eWqJ238z4GYwc_M7cMQz5l3lazpTjPjEm_YHmWCh8=,VvO5giAi3KQGrNsL1NyJTQGDDuYnYWl2KIRW2uvWxlo=",
)
os.environ.setdefault("JIEDU_BLIND_INDEX_KEY", "test-blind-index-key-0123456789abcdef")
os.environ.setdefault("JIEDU_AUDIT_CHAIN_KEY", "test-audit-chain-key-0123456789abcdef")
os.environ.setdefault("JIEDU_VAR_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "var", "test"))

from config.settings.base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; production keeps PBKDF2
ALLOWED_HOSTS = ["*"]
MEDIA_ROOT = VAR_DIR / "media"  # noqa: F405

# Threads in tests (the live server's, race workers) must not keep connections past their work, or the test
# database cannot be dropped at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
