"""Writing and verifying the audit chain.

Every entry is written inside the caller's transaction: if the entry cannot be written, the action rolls back.
The head row is locked (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's IMMEDIATE transactions serialise
writers), so entries form one gap-free sequence across processes and machines.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction

from jiedu.core import clock, context, rows
from jiedu.core.models import AuditEntry, AuditHead, Outcome

GENESIS = "0" * 64


def _canonical(
    *,
    seq: int,
    at: dt.datetime,
    actor_id: int | None,
    actor_username: str,
    organisation_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    outcome: str,
    client_ip: str | None,
    channel: str,
    detail: Mapping[str, Any],
    prev_hash: str,
) -> bytes:
    body = [
        seq,
        at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        actor_id,
        actor_username,
        organisation_id,
        action,
        object_type,
        object_id,
        outcome,
        client_ip,
        channel,
        detail,
        prev_hash,
    ]
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _mac(payload: bytes) -> str:
    return hmac.new(settings.JIEDU_AUDIT_CHAIN_KEY.encode("utf-8"), payload, hashlib.sha256).hexdigest()


def entry_hash(entry: AuditEntry) -> str:
    return _mac(
        _canonical(
            seq=entry.seq,
            at=entry.at,
            actor_id=entry.actor_id,
            actor_username=entry.actor_username,
            organisation_id=entry.organisation_id,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            outcome=entry.outcome,
            client_ip=entry.client_ip,
            channel=entry.channel,
            detail=entry.detail,
            prev_hash=entry.prev_hash,
        )
    )


def record(
    action: str,
    *,
    actor: Any = None,
    organisation: Any = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    outcome: str = Outcome.SUCCESS,
    detail: Mapping[str, Any] | None = None,
    username: str = "",
) -> AuditEntry:
    """Append one entry. Must be called inside the transaction of the change it records."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record() must run inside the transaction of the audited change.")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    actor_obj = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    if organisation is None and actor_obj is not None:
        organisation_id = getattr(actor_obj, "organisation_id", None)
    else:
        organisation_id = getattr(organisation, "pk", organisation)
    ctx = context.current()
    head = _locked_head()
    entry = AuditEntry(
        seq=head.seq + 1,
        at=clock.now(),
        actor_id=actor_obj.pk if actor_obj else None,
        actor_username=actor_obj.get_username() if actor_obj else username,
        organisation_id=organisation_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id != "" else "",
        outcome=str(outcome),
        client_ip=ctx.client_ip,
        channel=ctx.channel,
        detail=json.loads(json.dumps(dict(detail or {}), ensure_ascii=False, default=str)),
        prev_hash=head.hash,
    )
    entry.hash = entry_hash(entry)
    rows.insert(entry)
    rows.update(AuditHead, 1, seq=entry.seq, hash=entry.hash)
    return entry


class ChainHeadMissing(RuntimeError):
    pass


def _locked_head() -> AuditHead:
    values = rows.locked_values(AuditHead, 1, "seq", "hash")
    if values is not None:
        return AuditHead(pk=1, **values)
    if AuditEntry.objects.exists():
        # Someone removed the head of a non-empty chain: refuse to write rather than start a second chain.
        raise ChainHeadMissing(
            "The audit chain head is missing while entries exist; run `manage.py audit_verify`."
        )
    AuditHead.objects.get_or_create(pk=1)  # an empty database (fresh, or flushed by `manage.py flush`)
    return AuditHead.objects.select_for_update().get(pk=1)


def record_standalone(action: str, **kwargs: Any) -> AuditEntry:
    """Record an event that has no other change to ride with (a failed login, a denial)."""
    with transaction.atomic():
        return record(action, **kwargs)


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"seq {self.seq}: {self.reason}"


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    broken: ChainBreak | None


def verify(*, chunk_size: int = 5000) -> VerifyResult:
    """Walk the chain in sequence order and return the first break, if any.

    Detects an edited entry (its content no longer matches its MAC), a deleted entry (a gap in the
    sequence), reordered or inserted entries (a link that does not follow its predecessor) and a truncated
    tail (the head names an entry that is gone).
    """
    expected_seq = 1
    prev_hash = GENESIS
    checked = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=chunk_size):
        checked += 1
        if entry.seq != expected_seq:
            return VerifyResult(
                checked,
                ChainBreak(
                    expected_seq,
                    f"entry missing: found seq {entry.seq} where {expected_seq} was expected (deleted)",
                ),
            )
        if entry.prev_hash != prev_hash:
            return VerifyResult(
                checked,
                ChainBreak(
                    entry.seq,
                    "link broken: does not follow the previous entry (reordered, deleted or inserted)",
                ),
            )
        if entry_hash(entry) != entry.hash:
            return VerifyResult(checked, ChainBreak(entry.seq, "content does not match its hash (edited)"))
        prev_hash = entry.hash
        expected_seq += 1
    head = AuditHead.objects.filter(pk=1).first() or AuditHead(seq=0, hash=GENESIS)
    if head.seq != expected_seq - 1 or head.hash != prev_hash:
        return VerifyResult(
            checked,
            ChainBreak(
                expected_seq,
                f"chain ends at seq {expected_seq - 1} but the head records seq {head.seq} (tail deleted)",
            ),
        )
    return VerifyResult(checked, None)
