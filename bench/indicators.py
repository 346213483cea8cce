"""The indicators at national scale: generate, roll up, report, and compare with full-scan SQL on PostgreSQL and
DuckDB over Parquet. See bench/README.md; the figures go to docs/performance.md.

    .venv/bin/python bench/indicators.py --patients 200000 --months 12
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FULL_SCAN_SQL = """
WITH d AS (
    SELECT dd.person_id, dd.day, dd.ordered_mg, o.region_id AS county,
           CAST(date_trunc('month', dd.day) AS date) AS month
    FROM mmt_doseday dd
    JOIN mmt_episode e ON e.id = dd.episode_id
    JOIN registry_organisation o ON o.id = e.clinic_id
    WHERE dd.day BETWEEN DATE '{first}' AND DATE '{last}'
), ranked AS (
    SELECT d.*, row_number() OVER (PARTITION BY person_id, month ORDER BY day DESC) AS back,
           lead(day) OVER (PARTITION BY person_id ORDER BY day) AS next_day
    FROM d
), persons AS (
    SELECT person_id, month, county, ordered_mg AS last_mg FROM ranked WHERE back = 1
), dropouts AS (
    SELECT DISTINCT person_id, month FROM ranked
    WHERE COALESCE(next_day, DATE '{last}' + 1) - day - 1 >= 7
), urine AS (
    SELECT person_id, CAST(date_trunc('month', collected_on) AS date) AS month,
           count(*) AS tests, count(*) FILTER (WHERE result = 'positive') AS positive
    FROM labs_labtest WHERE kind = 'urine' AND result <> ''
      AND collected_on BETWEEN DATE '{first}' AND DATE '{last}'
    GROUP BY 1, 2
), doses AS (
    SELECT county, month, sum(ordered_mg) AS mg, count(*) AS days,
           percentile_disc(0.5) WITHIN GROUP (ORDER BY ordered_mg) AS median_mg
    FROM d GROUP BY county, month
)
SELECT p.county, p.month, count(*) AS in_treatment,
       count(*) FILTER (WHERE p.last_mg >= 60) AS ge60,
       count(x.person_id) AS dropouts,
       count(u.person_id) AS urine_tested, COALESCE(sum(u.tests), 0) AS urine_tests,
       COALESCE(sum(u.positive), 0) AS urine_positive,
       max(s.mg) / max(s.days) AS mean_mg, max(s.median_mg) AS median_mg
FROM persons p
LEFT JOIN dropouts x ON x.person_id = p.person_id AND x.month = p.month
LEFT JOIN urine u ON u.person_id = p.person_id AND u.month = p.month
JOIN doses s ON s.county = p.county AND s.month = p.month
GROUP BY p.county, p.month
"""


def timed(label: str, fn, results: dict, repeat: int = 1):  # noqa: ANN001
    best, value = None, None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        took = time.perf_counter() - start
        best = took if best is None else min(best, took)
    results[label] = best
    print(f"{label:<58} {best:9.3f} s", flush=True)
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=200_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--end", default="2026-10-31", help="the last day of the generated history")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--keep", action="store_true", help="keep the database (and reuse it if it exists)")
    parser.add_argument("--skip-duckdb", action="store_true")
    parser.add_argument("--skip-scan", action="store_true", help="leave out both full-scan comparisons")
    parser.add_argument(
        "--skip-rebuild", action="store_true", help="on a kept database: time the reads and the night only"
    )
    args = parser.parse_args()
    name = f"jiedu_bench_ind_{args.patients}_{args.months}"
    url = f"{args.pg}/{name}"
    end = dt.date.fromisoformat(args.end)
    first = dt.date(end.year - 1, end.month, 1) if args.months >= 12 else end.replace(day=1)
    results: dict[str, float] = {}

    exists = subprocess.run(
        ["psql", args.pg + "/postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    fresh = not (args.keep and exists)
    if fresh:
        subprocess.run(
            ["dropdb", "--if-exists", "--force", f"--maintenance-db={args.pg}/postgres", name], check=True
        )
        subprocess.run(["createdb", f"--maintenance-db={args.pg}/postgres", name], check=True)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from jiedu.indicators import reports, rules, selectors, services
    from jiedu.mmt.models import DoseDay
    from jiedu.registry.models import Region

    timed("migrate", lambda: call_command("migrate", verbosity=0), results)
    if fresh:
        timed(
            f"generate_scale --patients {args.patients} --months {args.months}",
            lambda: call_command(
                "generate_scale",
                patients=args.patients,
                months=args.months,
                seed=args.seed,
                end=args.end,
                verbosity=0,
            ),
            results,
        )
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    if args.skip_rebuild:  # a kept database whose facts stand: the night adds the day after the last one
        from jiedu.indicators.models import RollupState

        end = RollupState.objects.get(name=services.STATE).as_of
        print(f"facts kept as of {end}", flush=True)
        with connection.cursor() as cur:  # doses a run stopped halfway left beyond the facts
            cur.execute("DELETE FROM mmt_doseday WHERE day > %s", [end])
    else:
        if not fresh:  # a kept database: take away the days a previous run added
            with connection.cursor() as cur:
                cur.execute("DELETE FROM mmt_doseday WHERE day > %s", [end])
        timed(
            "full rebuild of the facts (indicators_refresh --rebuild)",
            lambda: services.rollup_rebuild(as_of=end),
            results,
        )
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    print(f"dose days: {DoseDay.objects.count():,}", flush=True)

    months = rules.months_between(first, end)[-12:]
    national = timed(
        "national report: every county × every indicator × 12 months",
        lambda: selectors.figures(kind="M", starts=months, group="county"),
        results,
        repeat=3,
    )
    print(f"  {len(national):,} county-months × {len(next(iter(national.values())))} indicators", flush=True)
    busiest = max(
        ((k[0], v["in_treatment"].value) for k, v in national.items() if k[1] == months[-1]),
        key=lambda kv: kv[1],
    )[0]
    county = Region.objects.get(code=busiest)
    quarter = rules.quarter_start(end - dt.timedelta(days=92))
    timed(
        f"one county dashboard ({county.name}, {quarter:%Y} Q{(quarter.month - 1) // 3 + 1})",
        lambda: reports.build(area=reports.Area(region=county), kind="Q", start=quarter, on=end),
        results,
        repeat=3,
    )

    # One more day: everyone dosed on the last day is dosed again the day after (the same order and site).
    next_day = end + dt.timedelta(days=1)
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO mmt_doseday (person_id, day, episode_id, order_id, site_id, ordered_mg, parts_planned, "
            "first_at) SELECT person_id, day + 1, episode_id, order_id, site_id, ordered_mg, parts_planned, "
            "first_at + interval '1 day' FROM mmt_doseday WHERE day = %s",
            [end],
        )
        added = cur.rowcount
    print(f"one more day: {added:,} dose days", flush=True)
    refreshed = timed(
        "nightly job: incremental refresh after one more day",
        lambda: services.rollup_refresh(as_of=next_day),
        results,
    )
    print(
        f"  {refreshed.persons:,} persons touched, {refreshed.appended:,} of them appended to, "
        f"{len(refreshed.periods)} periods touched",
        flush=True,
    )

    if not args.skip_scan:
        sql = FULL_SCAN_SQL.format(first=months[0], last=end)
        with connection.cursor() as cur:

            def scan() -> int:
                cur.execute(sql)
                return len(cur.fetchall())

            rows = timed("full-scan SQL on PostgreSQL (same indicators, 12 months)", scan, results)
        print(f"  {rows:,} county-months", flush=True)

        if not args.skip_duckdb:
            import duckdb

            folder = Path(tempfile.mkdtemp(prefix="jiedu-parquet-"))
            try:
                tables = {
                    "mmt_doseday": "SELECT person_id, day, episode_id, ordered_mg FROM mmt_doseday",
                    "mmt_episode": "SELECT id, clinic_id FROM mmt_episode",
                    "registry_organisation": "SELECT id, region_id FROM registry_organisation",
                    "labs_labtest": "SELECT person_id, collected_on, kind, result FROM labs_labtest",
                }

                def export() -> None:
                    for table, query in tables.items():
                        csv = folder / f"{table}.csv"
                        with connection.cursor() as cur, open(csv, "wb") as out:
                            with cur.copy(f"COPY ({query}) TO STDOUT (FORMAT csv, HEADER)") as copy:
                                for chunk in copy:
                                    out.write(chunk)
                        duckdb.sql(
                            f"COPY (SELECT * FROM read_csv_auto('{csv}')) TO '{folder / table}.parquet' (FORMAT parquet)"
                        )
                        csv.unlink()

                timed("export to Parquet (not part of the comparison)", export, results)
                db = duckdb.connect()
                for table in tables:
                    db.execute(
                        f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{folder / table}.parquet')"
                    )
                rows = timed(
                    "full-scan SQL on DuckDB over Parquet",
                    lambda: len(db.execute(sql).fetchall()),
                    results,
                    repeat=3,
                )
                print(f"  {rows:,} county-months", flush=True)
            finally:
                shutil.rmtree(folder, ignore_errors=True)

    report = results["national report: every county × every indicator × 12 months"]
    print()
    if not args.skip_scan:
        print(
            f"national report from the cube vs full-scan SQL on PostgreSQL: {results[next(k for k in results if k.startswith('full-scan SQL on PostgreSQL'))] / report:8.1f} × faster"
        )
        if "full-scan SQL on DuckDB over Parquet" in results:
            print(
                f"national report from the cube vs DuckDB over Parquet:        {results['full-scan SQL on DuckDB over Parquet'] / report:8.1f} × faster"
            )
    connection.close()
    if not args.keep:
        subprocess.run(
            ["dropdb", "--if-exists", "--force", f"--maintenance-db={args.pg}/postgres", name], check=True
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
