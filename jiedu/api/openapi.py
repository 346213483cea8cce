"""The OpenAPI document as committed in docs/api/openapi.json (stable key order, UTF-8)."""

from __future__ import annotations

import json

from jiedu.api.api import api


def openapi_text() -> str:
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
