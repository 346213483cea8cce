"""Write var/jiedu.env with fresh secrets for a demo or single-clinic install (never overwrites)."""

from __future__ import annotations

import base64
import secrets
import sys
from pathlib import Path


def main(path: str) -> int:
    target = Path(path)
    if target.exists():
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    fernet_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")
    target.write_text(
        "# Generated once by `make`; keep it with the database backup — without JIEDU_FIELD_KEYS the encrypted\n"
        "# identity numbers cannot be read. Production sets these in its own environment instead.\n"
        f"DJANGO_SECRET_KEY={secrets.token_urlsafe(48)}\n"
        f"JIEDU_FIELD_KEYS={fernet_key}\n"
        f"JIEDU_BLIND_INDEX_KEY={secrets.token_urlsafe(32)}\n"
        f"JIEDU_AUDIT_CHAIN_KEY={secrets.token_urlsafe(32)}\n",
        encoding="utf-8",
    )
    target.chmod(0o600)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
