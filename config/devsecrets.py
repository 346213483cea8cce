"""Fresh secrets for a demo or single-clinic install, written once to var/jiedu.env (never overwritten)."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path


def ensure_env_file(target: Path) -> bool:
    """Create ``target`` with new keys if it does not exist. Returns True when it was created."""
    if target.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    fernet_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")
    target.write_text(
        "# Generated once; keep it with the database backup — without JIEDU_FIELD_KEYS the encrypted\n"
        "# identity numbers cannot be read. Production sets these in its own environment instead.\n"
        f"DJANGO_SECRET_KEY={secrets.token_urlsafe(48)}\n"
        f"JIEDU_FIELD_KEYS={fernet_key}\n"
        f"JIEDU_BLIND_INDEX_KEY={secrets.token_urlsafe(32)}\n"
        f"JIEDU_AUDIT_CHAIN_KEY={secrets.token_urlsafe(32)}\n",
        encoding="utf-8",
    )
    target.chmod(0o600)
    return True
