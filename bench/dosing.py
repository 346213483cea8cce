"""Dosing through the real HTTP stack vs the raw PostgreSQL rate for the same writes. See bench/README.md."""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")


def run(cmd: list[str], env: dict[str, str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, cwd=ROOT, check=True, text=True, capture_output=True, **kw)


SETUP = r"""
import datetime as dt, json, sys
from decimal import Decimal
import django
django.setup()
from django.db import transaction
from jiedu.accounts.models import RoleAssignment, User
from jiedu.accounts.services import api_token_issue
from jiedu.core import clock, crypto
from jiedu.mmt.models import DoseOrder, Episode
from jiedu.patients import identity, names
from jiedu.patients.models import Affiliation, Person, SearchKey
from jiedu.patients.services import id_number_index
from jiedu.pharmacy.models import Drug, SealCard, Store, StoreKeeper
from jiedu.pharmacy.services import ReceiptLine, stock_receive
from jiedu.registry.models import Organisation, Region
from jiedu.registry.services import regions_load

patients, windows = int(sys.argv[1]), int(sys.argv[2])
regions_load(province_codes={"35"})
region = Region.objects.get(code="350583")
drug = Drug.objects.get(code="methadone-oral-solution")
clinics, nurses = [], []
for w in range(windows):  # one window per clinic, each clinic with its own dispensing store
    clinic = Organisation.objects.create(name=f"基准测试门诊{w}", type="mmt_clinic", region=region)
    keeper = User.objects.create_user(username=f"keeper{w}", password=None, organisation=clinic)
    nurse = User.objects.create_user(username=f"nurse{w}", password=None, organisation=clinic)
    RoleAssignment.objects.create(user=keeper, role="pharmacist")
    RoleAssignment.objects.create(user=nurse, role="nurse")
    store = Store.objects.create(organisation=clinic, name="发药柜", kind="dispensing", dispenses_doses=True)
    StoreKeeper.objects.create(store=store, user=keeper, appointed_by=keeper, appointed_on=dt.date.today())
    SealCard.objects.create(organisation=clinic, number=f"BENCH-{w}", issuer="bench", registered_by=keeper,
                            valid_from=dt.date.today() - dt.timedelta(days=30), registered_at=clock.now(),
                            valid_to=dt.date.today() + dt.timedelta(days=1000))
    stock_receive(actor=keeper, witness=nurse, store=store, line=ReceiptLine(
        drug=drug, batch_no=f"BENCH{w}", expiry=dt.date.today() + dt.timedelta(days=700), maker="bench",
        quantity=Decimal("9000000"), concentration_mg_per_ml=Decimal("1")),
        voucher=f"BENCH-{w}", supplier="bench", quality="bench")
    clinics.append(clinic)
    nurses.append(nurse)
users = nurses
today = clock.local_today()
people, episodes, orders = [], [], []
with transaction.atomic():
    for i in range(patients):
        clinic = clinics[i % windows]
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=i % 12000)
        body = f"350583{birth:%Y%m%d}{(i // 12000) % 100:02d}1"
        number = body + identity.check_digit_for(body)
        people.append(Person(name="患者", name_pinyin="huan zhe", sex="M", birth_date=birth,
                             id_number_encrypted=crypto.encrypt(number), id_number_index=id_number_index(number),
                             id_number_masked=identity.mask(number), household_region=region, created_by=users[0]))
    Person.objects.bulk_create(people, batch_size=2000)
    Affiliation.objects.bulk_create([Affiliation(person=p, organisation=clinics[n % windows], created_by=users[0])
                                     for n, p in enumerate(people)], batch_size=2000)
    for n, p in enumerate(people):
        episodes.append(Episode(person=p, clinic=clinics[n % windows], number=1, status="active", applied_on=today,
                                decision_due=today, started_on=today - dt.timedelta(days=30), needs_induction=False,
                                card_number=f"3505839{n:06d}", last_dose_on=today - dt.timedelta(days=1)))
    Episode.objects.bulk_create(episodes, batch_size=2000)
    DoseOrder.objects.bulk_create([DoseOrder(episode=e, dose_mg=Decimal("60"), effective_on=today - dt.timedelta(days=30),
                                             reason="bench", prescriber=users[0]) for e in episodes], batch_size=2000)
tokens = [api_token_issue(actor=None, user=u, name="bench").secret for u in nurses]
print(json.dumps({"people": [[p.pk for n, p in enumerate(people) if n % windows == w] for w in range(windows)],
                  "tokens": tokens}))
"""

PGBENCH_SCHEMA = """
DROP TABLE IF EXISTS b_dose_day, b_dose_part, b_ledger, b_balance, b_episode, b_audit, b_head;
CREATE TABLE b_balance (id int PRIMARY KEY, quantity numeric(12,2) NOT NULL CHECK (quantity >= 0), seq bigint, h text);
CREATE TABLE b_head (id int PRIMARY KEY, seq bigint, h text);
CREATE TABLE b_dose_day (id bigserial PRIMARY KEY, person int, day date, at timestamptz, UNIQUE (person, day));
CREATE TABLE b_dose_part (id bigserial PRIMARY KEY, dose_day bigint, mg numeric, ml numeric, at timestamptz);
CREATE TABLE b_ledger (id bigserial PRIMARY KEY, balance int, seq bigint, quantity numeric, after numeric, at timestamptz, h text);
CREATE TABLE b_episode (id int PRIMARY KEY, last_dose date);
CREATE TABLE b_audit (id bigserial PRIMARY KEY, seq bigint UNIQUE, at timestamptz, action text, detail jsonb, h text);
INSERT INTO b_balance SELECT g, 9000000, 0, '' FROM generate_series(1, 64) g; INSERT INTO b_head VALUES (1, 0, '');
INSERT INTO b_episode SELECT g, current_date - 1 FROM generate_series(1, 1000000) g;
"""
PGBENCH_SCRIPT = """\\set p random(1, 1000000000)
BEGIN;
INSERT INTO b_dose_day (person, day, at) VALUES (:p, current_date, now());
INSERT INTO b_dose_part (dose_day, mg, ml, at) VALUES (currval('b_dose_day_id_seq'), 60, 60, now());
UPDATE b_balance SET quantity = quantity - 60, seq = seq + 1, h = md5(random()::text) WHERE id = :client_id + 1;
INSERT INTO b_ledger (balance, seq, quantity, after, at, h) VALUES (:client_id + 1, 0, -60, 0, now(), md5(random()::text));
UPDATE b_episode SET last_dose = current_date WHERE id = (:p % 1000000) + 1;
UPDATE b_head SET seq = seq + 1, h = md5(random()::text) WHERE id = 1;
INSERT INTO b_audit (seq, at, action, detail, h) SELECT seq, now(), 'dose', '{"mg": "60"}', h FROM b_head WHERE id = 1;
COMMIT;
"""


class Load:
    def __init__(self, port: int, tokens: list[str], people: list[list[int]]) -> None:
        """One token and one list of patients per window (each window is a clinic)."""
        self.port, self.tokens = port, tokens
        self.people = [iter(p) for p in people]
        self.lock = threading.Lock()
        self.codes: dict[int, int] = {}

    def next_person(self, window: int) -> int | None:
        with self.lock:
            return next(self.people[window], None)

    def dose(self, conn: http.client.HTTPConnection, token: str, person: int) -> tuple[int, float]:
        body = json.dumps({"person_id": person})
        start = time.perf_counter()
        conn.request(
            "POST",
            "/api/v1/mmt/doses",
            body=body,
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Idempotency-Key": uuid.uuid4().hex,
            },
        )
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - start

    def record(self, status: int) -> None:
        with self.lock:
            self.codes[status] = self.codes.get(status, 0) + 1


def closed_loop(load: Load, windows: int, seconds: float) -> tuple[int, list[float], float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    lock = threading.Lock()

    def window(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", load.port, timeout=30)
        while time.perf_counter() < deadline:
            person = load.next_person(i)
            if person is None:
                return
            try:
                status, latency = load.dose(conn, load.tokens[i], person)
            except (http.client.HTTPException, OSError):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", load.port, timeout=30)
                continue
            load.record(status)
            with lock:
                latencies.append(latency)

    started = time.perf_counter()
    threads = [threading.Thread(target=window, args=(i,)) for i in range(windows)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies), latencies, time.perf_counter() - started


def open_loop(load: Load, windows: int, rate: float, seconds: float) -> tuple[int, list[float], float]:
    """Requests are scheduled at a fixed rate; latency counts from the scheduled time (no coordinated omission)."""
    latencies: list[float] = []
    lock = threading.Lock()
    total = int(rate * seconds)
    t0 = time.perf_counter() + 0.2
    schedule = iter(range(total))

    def window(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", load.port, timeout=30)
        while True:
            with lock:
                n = next(schedule, None)
            if n is None:
                return
            due = t0 + n / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            person = load.next_person(i)
            if person is None:
                return
            status, _latency = load.dose(conn, load.tokens[i], person)
            load.record(status)
            with lock:
                latencies.append(time.perf_counter() - due)

    threads = [threading.Thread(target=window, args=(i,)) for i in range(windows)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies), latencies, time.perf_counter() - t0


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=6000)
    parser.add_argument("--windows", type=int, default=8)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8931)
    args = parser.parse_args()

    pg = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    db = f"jiedu_bench_{int(time.time())}"
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", db], check=True)
    env = {
        **os.environ,
        "DATABASE_URL": f"{pg}/{db}",
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "JIEDU_FIELD_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "JIEDU_BLIND_INDEX_KEY": secrets.token_urlsafe(32),
        "JIEDU_AUDIT_CHAIN_KEY": secrets.token_urlsafe(32),
        "JIEDU_VAR_DIR": tempfile.mkdtemp(prefix="jiedu-bench-"),
        "JIEDU_LOG_LEVEL": "WARNING",
    }
    server = None
    try:
        print(f"database {db}: migrating and seeding {args.patients} patients …", flush=True)
        run([PY, "manage.py", "migrate", "-v0"], env)
        seeded = json.loads(
            run([PY, "-c", SETUP, str(args.patients), str(args.windows)], env).stdout.strip().splitlines()[-1]
        )
        server = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "config.wsgi",
                "-w",
                str(args.workers),
                "-b",
                f"127.0.0.1:{args.port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", args.port, timeout=1).request(
                    "GET", "/accounts/login/"
                )
                break
            except OSError:
                time.sleep(0.1)
        load = Load(args.port, seeded["tokens"], seeded["people"])
        for n in range(20):  # warm up every worker
            person = load.next_person(n % args.windows)
            load.dose(
                http.client.HTTPConnection("127.0.0.1", args.port), load.tokens[n % args.windows], person
            )
        load.codes.clear()

        n, lat, elapsed = closed_loop(load, args.windows, args.duration)
        http_rate = n / elapsed
        print(
            f"HTTP, {args.windows} windows flat out: {n} doses in {elapsed:.1f} s = {http_rate:.1f} doses/s; "
            f"p50 {pct(lat, 50):.1f} ms, p99 {pct(lat, 99):.1f} ms; status codes {load.codes}",
            flush=True,
        )
        load.codes.clear()
        n2, lat2, elapsed2 = open_loop(load, args.windows, args.rate, args.duration)
        print(
            f"HTTP at a fixed {args.rate:.0f} doses/s: {n2} doses in {elapsed2:.1f} s; p50 {pct(lat2, 50):.1f} ms, "
            f"p99 {pct(lat2, 99):.1f} ms, max {max(lat2) * 1000:.1f} ms; status codes {load.codes}",
            flush=True,
        )
        server.terminate()
        server.wait(timeout=30)
        server = None

        psql = ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-v", "ON_ERROR_STOP=1"]
        subprocess.run([*psql, "-c", PGBENCH_SCHEMA], check=True, capture_output=True)
        with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
            f.write(PGBENCH_SCRIPT)
        out = subprocess.run(
            [
                "pgbench",
                "-n",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-c",
                str(args.windows),
                "-j",
                "2",
                "-T",
                str(int(args.duration)),
                "-f",
                f.name,
                db,
            ],
            check=True,
            text=True,
            capture_output=True,
        ).stdout
        tps = float(
            next(line for line in out.splitlines() if line.startswith("tps")).split("=")[1].split()[0]
        )
        latency = next((line for line in out.splitlines() if "latency average" in line), "")
        print(f"pgbench, same writes per dose, {args.windows} clients: {tps:.1f} tps ({latency.strip()})")
        print(f"ratio HTTP / raw PostgreSQL: {http_rate / tps * 100:.1f} %  (goal ≥ 20 %)")
        print(f"p99 at {args.rate:.0f} doses/s: {pct(lat2, 99):.1f} ms  (goal < 50 ms)")
        return 0
    finally:
        if server is not None:
            server.terminate()
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--force", "--if-exists", db], check=False
        )


if __name__ == "__main__":
    sys.exit(main())
