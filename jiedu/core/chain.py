"""Keyed hash chains for append-only histories (audit log, stock ledgers)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings

GENESIS = "0" * 64


def mac(purpose: str, body: list[Any]) -> str:
    payload = json.dumps(
        [purpose, *body], ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    )
    return hmac.new(
        settings.JIEDU_AUDIT_CHAIN_KEY.encode("utf-8"), payload.encode("utf-8"), hashlib.sha256
    ).hexdigest()
