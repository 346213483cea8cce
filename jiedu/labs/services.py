"""Tests and what follows from their results.

* **The daily urine draw.** Each active patient gives a urine sample at least every ``labs.urine_interval_days``
  (``labs.urine_interval_days_early`` in the first ``labs.urine_early_days`` of treatment), and on any day with a
  chance of one in that interval: a patient due is always drawn, the others by a keyed hash of clinic, day and
  episode — unpredictable without the deployment's key, recomputable with it from the inputs kept with the draw.
* **Results** are recorded once. A positive opiate result files a relapse report (police and community rehab,
  by the regional recipient rules) and flags the episode for a doctor's dose review. Infection results (HIV, HCV,
  syphilis) are recorded and read only by doctors and nurses; no report carries them.
* **The infection schedule**: HIV, HCV and syphilis on entry, then HIV every ``labs.hiv_interval_days`` and HCV and
  syphilis every ``labs.hcv_interval_days`` / ``labs.syphilis_interval_days`` while negative.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jiedu.core import audit, chain, clock
from jiedu.core.errors import FieldErrors
from jiedu.core.selectors import rule_value
from jiedu.labs.models import (
    INFECTIONS,
    Analyte,
    LabKind,
    LabTest,
    Reason,
    Result,
    UrineSelection,
    UrineSelectionLine,
)
from jiedu.mmt.models import Episode, EpisodeEvent, EpisodeStatus, EventKind
from jiedu.policy import Action, can
from jiedu.policy.scope import persons_in_scope
from jiedu.referrals.services import art_referral_for
from jiedu.reports.models import ReportKind
from jiedu.reports.services import report_file

ALGORITHM = "hmac-sha256/v1"
_SCALE = 16**13


def draw(clinic_id: int, day: dt.date, episode_id: int) -> float:
    """A number in [0, 1) fixed by the key, the clinic, the day and the episode."""
    return int(chain.mac("urine-selection", [clinic_id, day.isoformat(), episode_id])[:13], 16) / _SCALE


def choose(clinic_id: int, day: dt.date, inputs: list[list[Any]]) -> list[tuple[int, str]]:
    """Who gives a sample on ``day``: (episode id, reason) for each drawn, from the kept inputs."""
    chosen = []
    for episode_id, started, last, interval in inputs:
        since = dt.date.fromisoformat(last) if last else None
        due = (since + dt.timedelta(days=interval)) if since else dt.date.fromisoformat(started)
        if day >= due:
            chosen.append((episode_id, Reason.DUE))
        elif draw(clinic_id, day, episode_id) < 1 / interval:
            chosen.append((episode_id, Reason.RANDOM))
    return chosen


def _interval(started: dt.date, day: dt.date, region: str | None) -> int:
    early = (day - started).days < rule_value("labs.urine_early_days", region_code=region)
    key = "labs.urine_interval_days_early" if early else "labs.urine_interval_days"
    return rule_value(key, region_code=region)


def urine_select(*, clinic: Any, day: dt.date | None = None) -> UrineSelection:
    """The clinic's draw for ``day`` (today by default), made once: later calls return the same draw."""
    day = day or clock.local_today()
    existing = UrineSelection.objects.filter(clinic=clinic, day=day).first()
    if existing is not None:
        return existing
    episodes = list(
        Episode.objects.filter(clinic=clinic, status=EpisodeStatus.ACTIVE, started_on__lte=day)
        .order_by("pk")
        .values_list("pk", "person_id", "started_on")
    )
    last = {}
    for person_id, on in (
        LabTest.objects.filter(
            person_id__in=[p for _e, p, _s in episodes], kind=LabKind.URINE, collected_on__lt=day
        )
        .order_by("collected_on")
        .values_list("person_id", "collected_on")
    ):
        last[person_id] = on
    inputs = [
        [
            episode_id,
            started.isoformat(),
            last[person_id].isoformat() if person_id in last else None,
            _interval(started, day, clinic.region_id),
        ]
        for episode_id, person_id, started in episodes
    ]
    chosen = choose(clinic.pk, day, inputs)
    try:
        with transaction.atomic():
            selection = UrineSelection.objects.create(
                clinic=clinic, day=day, made_at=clock.now(), algorithm=ALGORITHM, inputs=inputs
            )
            UrineSelectionLine.objects.bulk_create(
                [UrineSelectionLine(selection=selection, episode_id=e, reason=r) for e, r in chosen]
            )
            audit.record(
                "labs.urine.select",
                organisation=clinic,
                obj=selection,
                detail={"eligible": len(inputs), "drawn": len(chosen)},
            )
    except IntegrityError:  # drawn at the same moment by another request: the first one stands
        return UrineSelection.objects.get(clinic=clinic, day=day)
    return selection


def urine_selection_verify(selection: UrineSelection) -> list[str]:
    """Recompute a draw from its kept inputs; the differences (none when it stands)."""
    expected = dict(choose(selection.clinic_id, selection.day, selection.inputs))
    recorded = dict(selection.lines.values_list("episode_id", "reason"))
    problems = [f"episode {e} should have been drawn ({r})" for e, r in expected.items() if e not in recorded]
    problems += [f"episode {e} was drawn but should not have been" for e in recorded if e not in expected]
    problems += [
        f"episode {e} drawn as {recorded[e]}, expected {expected[e]}"
        for e in recorded
        if e in expected and recorded[e] != expected[e]
    ]
    return problems


# --- recording ----------------------------------------------------------------------------------------------


def _summarise(kind: str, result: str, analytes: dict[str, str] | None) -> tuple[str, dict[str, str]]:
    """Validate a result; for urine the overall result follows from the analytes."""
    if kind == LabKind.URINE:
        analytes = {k: v for k, v in (analytes or {}).items() if v}
        if not analytes:
            raise FieldErrors({"analytes": [_("Record the result of at least one substance.")]})
        unknown = [k for k in analytes if k not in Analyte.values]
        bad = [v for v in analytes.values() if v not in Result.values]
        if unknown or bad:
            raise FieldErrors({"analytes": [_("Unknown substance or result.")]})
        values = set(analytes.values())
        if Result.POSITIVE in values:
            return Result.POSITIVE, analytes
        return (Result.NEGATIVE if values == {Result.NEGATIVE} else Result.INDETERMINATE), analytes
    if result not in Result.values:
        raise FieldErrors({"result": [_("Choose the result.")]})
    return result, {}


def _may_record(actor: Any, person: Any, kind: str) -> None:
    action = Action.LAB_INFECTION if kind in INFECTIONS else Action.LAB_URINE
    if not can(actor, action):
        raise FieldErrors({"kind": [_("You may not record this test.")]})
    if not persons_in_scope(actor).filter(pk=person.pk).exists():
        raise FieldErrors({"person": [_("This person is not in the care of your organisation.")]})


def lab_record(
    *,
    actor: Any,
    person: Any,
    kind: str,
    reason: str,
    collected_on: dt.date | None = None,
    result: str = "",
    analytes: dict[str, str] | None = None,
    selection_line: UrineSelectionLine | None = None,
    note: str = "",
) -> LabTest:
    """A sample taken (with its result when the rapid test gives it at once) by a doctor or nurse of the
    person's care organisation."""
    if kind not in LabKind.values:
        raise FieldErrors({"kind": [_("Choose the test.")]})
    if reason not in Reason.values:
        raise FieldErrors({"reason": [_("Choose why the test is done.")]})
    _may_record(actor, person, kind)
    collected_on = collected_on or clock.local_today()
    if collected_on > clock.local_today():
        raise FieldErrors({"collected_on": [_("A sample is recorded after it is taken.")]})
    has_result = bool(result) or bool(analytes and any(analytes.values()))
    summary, detail = _summarise(kind, result, analytes) if has_result else ("", {})
    if selection_line is not None and (
        kind != LabKind.URINE or selection_line.episode.person_id != person.pk
    ):
        raise FieldErrors({"selection_line": [_("This draw is for another patient or test.")]})
    episode = Episode.objects.filter(person=person, status=EpisodeStatus.ACTIVE).first()
    with transaction.atomic():
        if selection_line is not None and LabTest.objects.filter(selection_line=selection_line).exists():
            raise FieldErrors({"selection_line": [_("This drawn sample has already been recorded.")]})
        test = LabTest.objects.create(
            person=person,
            episode=episode,
            site=actor.organisation,
            kind=kind,
            reason=Reason.RANDOM if selection_line and selection_line.reason == Reason.RANDOM else reason,
            selection_line=selection_line,
            collected_on=collected_on,
            collected_by=actor,
            result=summary,
            analytes=detail,
            result_at=clock.now() if summary else None,
            result_by=actor if summary else None,
            note=note.strip(),
        )
        audit.record(
            "labs.test.record", actor=actor, obj=test, detail={"kind": kind, "with_result": bool(summary)}
        )
        if summary:
            _follow(test, actor)
    return test


def lab_result(
    *, actor: Any, test: LabTest, result: str = "", analytes: dict[str, str] | None = None
) -> LabTest:
    """The result of a sample sent to the laboratory, recorded once."""
    _may_record(actor, test.person, test.kind)
    summary, detail = _summarise(test.kind, result, analytes)
    with transaction.atomic():
        claimed = LabTest.objects.filter(pk=test.pk, result="").update(
            result=summary, analytes=detail, result_at=clock.now(), result_by=actor
        )
        if not claimed:
            raise FieldErrors(
                {"result": [_("This test already has its result; record a new test to correct it.")]}
            )
        test.refresh_from_db()
        audit.record("labs.test.result", actor=actor, obj=test, detail={"kind": test.kind})
        _follow(test, actor)
    return test


def _follow(test: LabTest, actor: Any) -> None:
    """What a result sets off (inside the result's transaction): an opiate-positive urine test in treatment a
    relapse report and a dose review (not the test on entry, which shows the dependence treated); an
    HIV-positive test a referral to the CDC for free ART."""
    if test.kind == LabKind.HIV and test.result == Result.POSITIVE:
        episode = Episode.objects.filter(person_id=test.person_id, status=EpisodeStatus.ACTIVE).first()
        art_referral_for(test=test, source=episode.clinic if episode else test.site, actor=actor)
        return
    if test.kind != LabKind.URINE or test.analytes.get(Analyte.OPIATES) != Result.POSITIVE:
        return
    if test.reason == Reason.ENTRY:  # the evidence of dependence on admission, not a relapse
        return
    episode = (
        Episode.objects.select_for_update()
        .filter(person_id=test.person_id, status=EpisodeStatus.ACTIVE)
        .first()
    )
    source = episode.clinic if episode else test.site
    if episode is not None and not episode.needs_review:
        episode.needs_review = True
        episode.save(update_fields=["needs_review"])
        EpisodeEvent.objects.create(
            episode=episode,
            kind=EventKind.REVIEW_NEEDED,
            by=actor,
            on=test.collected_on,
            detail={"positive_test": test.pk},
        )
    report_file(
        kind=ReportKind.RELAPSE,
        person=test.person,
        source=source,
        event_on=test.collected_on,
        dedupe_key=f"relapse:{test.pk}",
        actor=actor,
    )


# --- the infection schedule -------------------------------------------------------------------------------------

_INTERVAL_KEYS = {
    LabKind.HIV: "labs.hiv_interval_days",
    LabKind.HCV: "labs.hcv_interval_days",
    LabKind.SYPHILIS: "labs.syphilis_interval_days",
}


@dataclass(frozen=True)
class DueTest:
    episode: Episode
    kind: str
    last_on: dt.date | None
    due_on: dt.date

    @property
    def overdue(self) -> bool:
        return self.due_on < clock.local_today()

    def get_kind_display(self) -> str:
        return str(LabKind(self.kind).label)


def infection_schedule(*, clinic: Any, today: dt.date | None = None) -> list[DueTest]:
    """Infection tests due within ``labs.due_soon_days`` or overdue, for the clinic's active patients; none once a
    test of that kind has come back positive."""
    today = today or clock.local_today()
    region = clinic.region_id
    soon = today + dt.timedelta(days=rule_value("labs.due_soon_days", region_code=region))
    intervals = {k: rule_value(key, region_code=region) for k, key in _INTERVAL_KEYS.items()}
    episodes = list(
        Episode.objects.filter(clinic=clinic, status=EpisodeStatus.ACTIVE)
        .select_related("person")
        .order_by("person__name", "pk")
    )
    latest: dict[tuple[int, str], tuple[dt.date, str]] = {}
    positive: set[tuple[int, str]] = set()
    for person_id, kind, on, result in (
        LabTest.objects.filter(person_id__in=[e.person_id for e in episodes], kind__in=INFECTIONS)
        .order_by("collected_on", "pk")
        .values_list("person_id", "kind", "collected_on", "result")
    ):
        latest[(person_id, kind)] = (on, result)
        if result == Result.POSITIVE:
            positive.add((person_id, kind))
    due = []
    for episode in episodes:
        for kind in INFECTIONS:
            key = (episode.person_id, kind)
            if key in positive:
                continue
            last = latest.get(key)
            due_on = last[0] + dt.timedelta(days=intervals[kind]) if last else (episode.started_on or today)
            if due_on <= soon:
                due.append(
                    DueTest(episode=episode, kind=kind, last_on=last[0] if last else None, due_on=due_on)
                )
    return sorted(due, key=lambda d: (d.due_on, d.episode.person.name, d.kind))
