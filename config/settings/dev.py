"""Local development and the demo: DEBUG on, cookies over plain HTTP, secrets generated under var/ once."""

import os
from pathlib import Path

from config.devsecrets import ensure_env_file

os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("JIEDU_SECURE_COOKIES", "false")
ensure_env_file(
    Path(os.environ.get("JIEDU_VAR_DIR", Path(__file__).resolve().parents[2] / "var")) / "jiedu.env"
)

from config.settings.base import *  # noqa: E402,F403
