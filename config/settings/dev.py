"""Local development and the demo: DEBUG on, cookies over plain HTTP."""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("JIEDU_SECURE_COOKIES", "false")

from config.settings.base import *  # noqa: E402,F403
