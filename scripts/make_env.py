"""Write var/jiedu.env with fresh secrets for a demo or single-clinic install (never overwrites)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config.devsecrets import ensure_env_file  # noqa: E402

if __name__ == "__main__":
    ensure_env_file(Path(sys.argv[1]))
