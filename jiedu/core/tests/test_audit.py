"""The audit chain: written with the change, append-only, and any tampering is named by audit_verify."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError

from jiedu.core import audit
from jiedu.core.models import AppendOnlyError, AuditEntry, AuditHead


def _write(n: int) -> list[AuditEntry]:
    with transaction.atomic():
        return [
            audit.record("test.event", object_type="test", object_id=i, detail={"i": i}) for i in range(n)
        ]


def _raw(sql: str, params: list | None = None) -> None:
    """Tamper the way someone with database access would: SQL that bypasses the application."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":  # a superuser switching triggers off for the session
            cur.execute("SET session_replication_role = replica")
        cur.execute(sql, params or [])
        if connection.vendor == "postgresql":
            cur.execute("SET session_replication_role = origin")


def _verify_message() -> str:
    with pytest.raises(CommandError) as info:
        call_command("audit_verify")
    return str(info.value)


@pytest.mark.django_db
def test_entries_form_a_gap_free_chain():
    entries = _write(3)
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == "0" * 64
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash
    head = AuditHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (3, entries[2].hash)
    result = audit.verify()
    assert (result.checked, result.broken) == (3, None)


@pytest.mark.django_db
def test_audit_verify_reports_an_intact_chain(capsys):
    _write(4)
    call_command("audit_verify")
    assert capsys.readouterr().out == "Audit chain intact: 4 entries verified.\n"


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit.record("test.event")


@pytest.mark.django_db
def test_the_application_refuses_to_update_or_delete_entries():
    entry = _write(1)[0]
    entry.action = "edited"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="edited")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.event"


@pytest.mark.django_db
def test_edited_entry_is_named():
    _write(5)
    _raw("UPDATE core_auditentry SET action = 'person.view' WHERE seq = 3")
    assert (
        _verify_message()
        == "Audit chain broken at seq 3: content does not match its hash (edited) (3 entries read)."
    )


@pytest.mark.django_db
def test_edited_detail_is_named():
    _write(5)
    detail = '{"i": 99}'
    _raw("UPDATE core_auditentry SET detail = %s WHERE seq = 2", [detail])
    assert "seq 2: content does not match its hash (edited)" in _verify_message()


@pytest.mark.django_db
def test_deleted_entry_is_named():
    _write(5)
    _raw("DELETE FROM core_auditentry WHERE seq = 2")
    assert _verify_message() == (
        "Audit chain broken at seq 2: entry missing: found seq 3 where 2 was expected (deleted) (2 entries read)."
    )


@pytest.mark.django_db
def test_reordered_entries_are_named():
    _write(5)
    # Swap the sequence numbers of entries 2 and 4 (via a free value to respect the unique constraint).
    _raw("UPDATE core_auditentry SET seq = 1000 WHERE seq = 2")
    _raw("UPDATE core_auditentry SET seq = 2 WHERE seq = 4")
    _raw("UPDATE core_auditentry SET seq = 4 WHERE seq = 1000")
    assert _verify_message() == (
        "Audit chain broken at seq 2: link broken: does not follow the previous entry "
        "(reordered, deleted or inserted) (2 entries read)."
    )


@pytest.mark.django_db
def test_deleted_tail_is_named():
    _write(5)
    _raw("DELETE FROM core_auditentry WHERE seq = 5")
    assert _verify_message() == (
        "Audit chain broken at seq 5: chain ends at seq 4 but the head records seq 5 (tail deleted) (4 entries read)."
    )


@pytest.mark.django_db
def test_recomputed_plain_hash_does_not_help_a_forger(settings):
    """The chain is keyed: an editor without JIEDU_AUDIT_CHAIN_KEY cannot make an edit verify."""
    _write(2)
    entry = AuditEntry.objects.get(seq=2)
    entry.action = "forged"
    real_key = settings.JIEDU_AUDIT_CHAIN_KEY
    settings.JIEDU_AUDIT_CHAIN_KEY = "a-key-the-forger-guessed"
    forged_hash = audit.entry_hash(entry)
    settings.JIEDU_AUDIT_CHAIN_KEY = real_key
    _raw("UPDATE core_auditentry SET action = 'forged', hash = %s WHERE seq = 2", [forged_hash])
    assert "seq 2: content does not match its hash (edited)" in _verify_message()


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="database triggers are PostgreSQL's; SQLite relies on the app"
)
def test_database_trigger_refuses_update_and_delete_on_postgresql():
    _write(1)
    for sql in ("UPDATE core_auditentry SET action = 'x'", "DELETE FROM core_auditentry"):
        with pytest.raises(DatabaseError, match="audit entries are append-only"), transaction.atomic():
            with connection.cursor() as cur:
                cur.execute(sql)
    assert AuditEntry.objects.get(seq=1).action == "test.event"
