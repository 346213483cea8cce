from __future__ import annotations

from django.db import transaction

from jiedu.core import audit
from jiedu.registry.models import Region
from jiedu.registry.regions import read_rows


def regions_load(*, province_codes: set[str] | None = None) -> tuple[int, int]:
    """Load or refresh GB/T 2260 regions. Idempotent. Returns (created, updated)."""
    rows = [r for r in read_rows() if province_codes is None or r.code[:2] in province_codes]
    codes = {r.code for r in rows}
    created = updated = 0
    with transaction.atomic(durable=True):
        existing = {r.code: r for r in Region.objects.filter(code__in=codes)}
        for level in ("province", "prefecture", "county"):
            for row in (r for r in rows if r.level == level):
                parent = row.parent_code if row.parent_code in codes or row.parent_code in existing else None
                if row.level == "county" and parent is None:
                    # A county filed directly under its province (e.g. 省直辖县级行政区划 without a 00 row).
                    parent = f"{row.code[:2]}0000"
                values = {
                    "name": row.name,
                    "level": row.level,
                    "parent_id": parent,
                    "valid_from": row.valid_from,
                    "valid_to": row.valid_to,
                }
                current = existing.get(row.code)
                if current is None:
                    Region.objects.create(code=row.code, **values)
                    created += 1
                elif any(getattr(current, k) != v for k, v in values.items()):
                    Region.objects.filter(code=row.code).update(**values)
                    updated += 1
        if created or updated:
            audit.record(
                "region.load", object_type="registry.region", detail={"created": created, "updated": updated}
            )
    return created, updated
