"""Entering figures (validation, nothing written on error), the steps of a submission, who approves, and the
history kept through corrections."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import translation

from jiedu.accounts.models import Role
from jiedu.core.errors import DomainError, FieldErrors, PermissionDenied
from jiedu.core.models import AppendOnlyError, AuditEntry
from jiedu.datasets import services
from jiedu.datasets.models import DataValue, Step, Submission
from jiedu.datasets.selectors import submission_history, values_of
from jiedu.datasets.tests.conftest import user
from jiedu.datasets.tests.data import GOOD, QUARTER, TODAY, YEAR
from jiedu.registry.models import Region

pytestmark = pytest.mark.django_db


QUARTERLY = {
    "mmt_in_treatment": "180",
    "annual_retention": "76.4",
    "urine_tests": "540",
    "venue_hiv_tests": "35",
    "publicity_events": "4",
    "trainings": "2",
    "key_task_progress": "30",
}


def save(actor, data_set, region, values, period=YEAR, **kwargs):
    return services.submission_save(
        actor=actor, data_set=data_set, region=region, period=period, values=values, **kwargs
    )


def written():
    """How much the app and the audit log hold."""
    return (
        Submission.objects.count(),
        DataValue.objects.count(),
        Step.objects.count(),
        AuditEntry.objects.filter(action__startswith="dataset.").count(),
    )


def refused(call, exc_type=DomainError):
    """The exception a refused call raised, after checking that it wrote nothing."""
    before = written()
    with pytest.raises(exc_type) as caught:
        call()
    assert written() == before
    return caught.value


# --- entering: validation -------------------------------------------------------------------------------------


def test_valid_figures_are_saved_as_version_one(world, people, data_sets):
    saved = save(world.officer, data_sets["registered_users"], world.county, GOOD)
    submission = saved.submission
    assert saved.changed is True
    assert (submission.status, submission.version, submission.period_start) == ("draft", 1, YEAR)
    assert submission.created_by == world.officer
    # The blank optional element has no value.
    assert values_of(submission) == {
        "total": 1000,
        "opioid": 300,
        "synthetic": 650,
        "other": 50,
        "new_registrations": 80,
        "community_orders": 120,
    }
    step = Step.objects.get()
    assert (step.kind, step.version, step.by, step.reason) == ("saved", 1, world.officer, "")
    assert step.at.astimezone(dt.UTC) == dt.datetime(2026, 5, 20, 1, 0, tzinfo=dt.UTC)
    entry = AuditEntry.objects.get(action="dataset.save")
    assert entry.object_id == str(submission.pk)
    assert entry.organisation == world.commission
    assert entry.detail == {
        "data_set": "registered_users",
        "region": "350583",
        "period": "2025-01-01",
        "version": 1,
        "values": {
            "total": "1000",
            "opioid": "300",
            "synthetic": "650",
            "other": "50",
            "new_registrations": "80",
            "community_orders": "120",
        },
    }


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            {"synthetic": "640"},
            {"total": ["Opioid, synthetic-drug and other users must add up to the total (entered 1000 and 990)."]},
        ),
        (
            {"new_registrations": "1001"},
            {"new_registrations": ["New registrations in the year cannot be more than the total (entered 1001 and 1000)."]},
        ),
        ({"total": ""}, {"total": ["Registered drug users, total: enter a value."]}),
        (
            {"opioid": "three hundred", "other": "-50"},
            {
                "opioid": ["of which opioid (heroin etc.) users: enter a whole number, 0 or more."],
                "other": ["of which users of other drugs: enter a whole number, 0 or more."],
            },
        ),
        ({"community_orders": "12.5"}, {"community_orders": [
            "Persons under community detox or rehab orders: enter a whole number, 0 or more."]}),
        ({"unknown": "1"}, {"values": ["Not an element of this data set: unknown."]}),
    ],
)  # fmt: skip
def test_bad_figures_name_the_element_and_nothing_is_written(world, people, data_sets, changes, errors):
    exc = refused(
        lambda: save(world.officer, data_sets["registered_users"], world.county, {**GOOD, **changes}),
        FieldErrors,
    )
    assert exc.fields == errors


def test_a_bad_figure_in_a_later_save_leaves_the_draft_as_it_was(world, people, data_sets):
    submission = save(world.officer, data_sets["registered_users"], world.county, GOOD).submission
    exc = refused(
        lambda: save(world.officer, data_sets["registered_users"], world.county, {**GOOD, "total": "1001"}),
        FieldErrors,
    )
    assert exc.fields == {
        "total": ["Opioid, synthetic-drug and other users must add up to the total (entered 1001 and 1000)."]
    }
    submission.refresh_from_db()
    assert submission.version == 1
    assert values_of(submission)["total"] == 1000


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"beds": "40", "budget": "12.75", "coverage": "99.5", "inspected": "yes"}, None),
        ({"beds": "500"}, {"beds": ["Beds must be fewer than 500 (entered 500 and 500)."]}),
        ({"beds": "4.5"}, {"beds": ["Beds: enter a whole number, 0 or more."]}),
        ({"beds": "4", "budget": "about 12"}, {"budget": ["Budget (10k yuan): enter a number."]}),
        (
            {"beds": "4", "budget": "0.00001"},
            {"budget": ["Budget (10k yuan): use at most 4 decimal places."]},
        ),
        ({"beds": "4", "coverage": "101"}, {"coverage": ["Coverage (%): enter a percentage from 0 to 100."]}),
        ({"beds": "4", "inspected": "perhaps"}, {"inspected": ["Inspected: choose yes or no."]}),
        ({"beds": ""}, {"beds": ["Beds: enter a value."]}),
    ],
)
def test_each_value_type(world, people, checks, values, errors):
    call = lambda: save(world.officer, checks, world.county, values, period=dt.date(2026, 4, 1))  # noqa: E731
    if errors is None:
        submission = call().submission
        assert values_of(submission) == {
            "beds": Decimal(40),
            "budget": Decimal("12.75"),
            "coverage": Decimal("99.5"),
            "inspected": Decimal(1),
        }
    else:
        assert refused(call, FieldErrors).fields == errors


def test_messages_name_the_element_in_chinese(world, people, data_sets):
    with translation.override("zh-hans"):
        exc = refused(
            lambda: save(world.officer, data_sets["registered_users"], world.county, {**GOOD, "other": "49"}),
            FieldErrors,
        )
    (message,) = exc.fields["total"]
    assert message.startswith("阿片类、合成毒品和其他毒品吸毒人员之和应等于登记吸毒人员总数")
    assert "1000" in message and "999" in message


@pytest.mark.parametrize(
    ("period", "message"),
    [
        (dt.date(2025, 7, 1), "A yearly period starts on 1 January."),
        (
            dt.date(2027, 1, 1),
            "This period has not begun: figures are entered for a period that has started.",
        ),
    ],
)
def test_periods_are_checked(world, people, data_sets, period, message):
    exc = refused(
        lambda: save(world.officer, data_sets["registered_users"], world.county, GOOD, period=period),
        FieldErrors,
    )
    assert exc.fields == {"period": [message]}


def test_quarters_start_on_the_first_of_a_quarter(world, people, data_sets):
    quarterly = data_sets["district_quarterly"]
    values = QUARTERLY
    exc = refused(
        lambda: save(world.officer, quarterly, world.county, values, period=dt.date(2026, 2, 1)), FieldErrors
    )
    assert exc.fields == {"period": ["A quarter starts on 1 January, 1 April, 1 July or 1 October."]}
    exc = refused(
        lambda: save(
            world.officer, quarterly, world.county, {**values, "annual_retention": "176.4"}, period=QUARTER
        ),
        FieldErrors,
    )
    assert exc.fields == {
        "annual_retention": ["Annual retention to date (%): enter a percentage from 0 to 100."]
    }
    assert save(world.officer, quarterly, world.county, values, period=QUARTER).submission.version == 1


def test_a_county_data_set_is_not_entered_for_a_prefecture(world, people, data_sets, checks):
    exc = refused(
        lambda: save(people.prefecture, data_sets["registered_users"], people.quanzhou, GOOD), FieldErrors
    )
    assert exc.fields == {"region": ["This data set is reported by counties."]}
    # A data set reported by counties and prefectures is entered by the prefecture for itself.
    made = save(people.prefecture, checks, people.quanzhou, {"beds": "3"}, period=dt.date(2026, 4, 1))
    assert made.submission.region == people.quanzhou


def test_a_data_set_out_of_use_is_not_entered(world, people, data_sets):
    data_set = data_sets["registered_users"]
    data_set.is_active = False
    data_set.save()
    exc = refused(lambda: save(world.officer, data_set, world.county, GOOD))
    assert exc.message == "This data set is no longer in use."


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("inspector", "Only health and narcotics officers enter these figures."),
        ("jinjiang", "Only officers of 南安市 enter its figures."),
        ("prefecture", "Only officers of 南安市 enter its figures."),
        ("province", "Only officers of 南安市 enter its figures."),
    ],
)
def test_only_officers_of_the_region_enter_its_figures(world, people, data_sets, who, message):
    actor = world.users["inspector"] if who == "inspector" else getattr(people, who)
    exc = refused(lambda: save(actor, data_sets["registered_users"], world.county, GOOD), PermissionDenied)
    assert exc.message == message


# --- the steps ------------------------------------------------------------------------------------------------


@pytest.fixture
def draft(world, people, data_sets):
    return save(world.officer, data_sets["registered_users"], world.county, GOOD).submission


@pytest.fixture
def submitted(world, draft):
    return services.submission_submit(actor=world.officer, submission=draft)


@pytest.fixture
def approved(people, submitted):
    return services.submission_approve(actor=people.prefecture, submission=submitted)


def steps(submission):
    return list(
        Step.objects.filter(submission=submission).values_list("kind", "version", "by__username", "reason")
    )


def test_saving_the_same_figures_again_writes_nothing(world, data_sets, draft):
    before = written()
    again = save(world.officer, data_sets["registered_users"], world.county, {**GOOD, "total": "1000.0"})
    assert again.changed is False
    assert again.submission.version == 1
    assert written() == before


def test_a_save_over_figures_saved_since_the_page_was_opened_is_refused(world, data_sets, draft):
    save(world.officer, data_sets["registered_users"], world.county, {**GOOD, "other": "51", "total": "1001"})
    exc = refused(
        lambda: save(
            world.officer, data_sets["registered_users"], world.county, {**GOOD, "other": "52", "total": "1002"},
            expected_version=1,
        )
    )  # fmt: skip
    assert exc.code == "conflict"
    assert (
        exc.message == "Someone else changed these figures at the same moment: reload the page and try again."
    )
    # The page was opened on version 1 of a submission that is not there (none was made yet).
    exc = refused(
        lambda: save(world.officer, data_sets["district_quarterly"], world.county, QUARTERLY, period=QUARTER,
                     expected_version=1)
    )  # fmt: skip
    assert exc.code == "conflict"


def test_submit_approve(world, people, submitted):
    assert submitted.status == "submitted"
    approved = services.submission_approve(actor=people.prefecture, submission=submitted)
    assert approved.status == "approved"
    assert Submission.objects.get().status == "approved"
    assert steps(submitted) == [
        ("saved", 1, "officer", ""),
        ("submitted", 1, "officer", ""),
        ("approved", 1, "quanzhou_narcotics", ""),
    ]
    assert list(AuditEntry.objects.filter(action__startswith="dataset.").order_by("seq").values_list("action", flat=True)) == [
        "dataset.save",
        "dataset.submit",
        "dataset.approve",
    ]  # fmt: skip
    assert AuditEntry.objects.get(action="dataset.approve").organisation.name == "泉州市禁毒委员会办公室"


def test_return_sends_the_figures_back_to_draft_with_the_reason(world, people, submitted):
    returned = services.submission_return(
        actor=people.province, submission=submitted, reason=" 合成毒品人数请核实 "
    )
    assert returned.status == "draft"
    assert steps(submitted)[-1] == ("returned", 1, "fujian_officer", "合成毒品人数请核实")
    assert AuditEntry.objects.get(action="dataset.return").detail["reason"] == "合成毒品人数请核实"


def test_reopen_after_approval_needs_a_reason_and_goes_back_to_draft(world, people, approved):
    exc = refused(
        lambda: services.submission_reopen(actor=people.province, submission=approved, reason=" "),
        FieldErrors,
    )
    assert exc.fields == {"reason": ["Say why the approved figures are reopened."]}
    reopened = services.submission_reopen(
        actor=people.province, submission=approved, reason="公安更正年末人数"
    )
    assert reopened.status == "draft"
    assert steps(approved)[-1] == ("reopened", 1, "fujian_officer", "公安更正年末人数")


def test_return_needs_a_reason(people, submitted):
    exc = refused(
        lambda: services.submission_return(actor=people.prefecture, submission=submitted, reason=""),
        FieldErrors,
    )
    assert exc.fields == {"reason": ["Say what must be corrected."]}
    exc = refused(
        lambda: services.submission_return(actor=people.prefecture, submission=submitted, reason="x" * 501),
        FieldErrors,
    )
    assert exc.fields == {"reason": ["Keep the reason under 500 characters."]}


SUBMITTED_LOCKED = (
    "The figures were submitted and wait for approval: they change only after they are returned."
)
APPROVED_LOCKED = (
    "The figures are approved and locked: an approver of a region above can reopen them with a reason."
)


@pytest.mark.parametrize(
    ("state", "step", "message"),
    [
        ("draft", "approve", "Only submitted figures are approved: these are a draft."),
        ("draft", "return", "Only submitted figures are returned: these are a draft."),
        ("draft", "reopen", "Only approved figures are reopened: these are a draft."),
        ("submitted", "save", SUBMITTED_LOCKED),
        ("submitted", "submit", "The figures were submitted already."),
        ("submitted", "reopen", "Only approved figures are reopened: these wait for approval (return them)."),
        ("approved", "save", APPROVED_LOCKED),
        ("approved", "submit", APPROVED_LOCKED),
        ("approved", "approve", "The figures are approved already."),
        ("approved", "return", "Approved figures are not returned: reopen them, with the reason."),
    ],
)
def test_refused_transitions(request, world, people, data_sets, state, step, message):
    submission = request.getfixturevalue(state)
    calls = {
        "save": lambda: save(world.officer, data_sets["registered_users"], world.county, {**GOOD, "new_registrations": "81"}),
        "submit": lambda: services.submission_submit(actor=world.officer, submission=submission),
        "approve": lambda: services.submission_approve(actor=people.prefecture, submission=submission),
        "return": lambda: services.submission_return(actor=people.prefecture, submission=submission, reason="核实"),
        "reopen": lambda: services.submission_reopen(actor=people.prefecture, submission=submission, reason="更正"),
    }  # fmt: skip
    exc = refused(calls[step])
    assert exc.message == message
    assert Submission.objects.get().status == state


def test_submitting_checks_the_figures_against_the_rules_of_today(world, data_sets, draft):
    # compulsory_isolation was left blank; the element has since become required.
    data_sets["registered_users"].elements.filter(code="compulsory_isolation").update(required=True)
    exc = refused(lambda: services.submission_submit(actor=world.officer, submission=draft), FieldErrors)
    assert exc.fields == {
        "compulsory_isolation": ["Persons in compulsory isolation at year end: enter a value."]
    }
    assert Submission.objects.get().status == "draft"


def test_a_step_on_a_stale_copy_is_judged_on_the_stored_status(world, people, draft):
    stale = Submission.objects.get(pk=draft.pk)
    services.submission_submit(actor=world.officer, submission=draft)
    services.submission_approve(actor=people.prefecture, submission=draft)
    exc = refused(lambda: services.submission_submit(actor=world.officer, submission=stale))
    assert exc.message == APPROVED_LOCKED


# --- who approves ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("county", "The figures of 南安市 are approved by a region above it, not by its own officers."),
        ("jinjiang", "Only officers of a region containing 南安市 approve its figures."),
        ("jiangxi", "Only officers of a region containing 南安市 approve its figures."),
        ("inspector", "Only health and narcotics officers approve these figures."),
        ("province_auditor", "Only health and narcotics officers approve these figures."),
    ],
)
@pytest.mark.parametrize("step", ["approve", "return"])
def test_who_may_not_approve_or_return(world, people, submitted, who, message, step):
    actor = world.users[who] if who in world.users else getattr(people, who)
    call = {
        "approve": lambda: services.submission_approve(actor=actor, submission=submitted),
        "return": lambda: services.submission_return(actor=actor, submission=submitted, reason="核实"),
    }[step]
    assert refused(call, PermissionDenied).message == message
    assert services.may_approve(actor, submitted) is False


@pytest.mark.parametrize("who", ["prefecture", "province"])
def test_the_prefecture_and_the_province_approve(people, submitted, who):
    assert services.may_approve(getattr(people, who), submitted) is True
    assert services.submission_approve(actor=getattr(people, who), submission=submitted).status == "approved"


def test_reopening_is_for_approvers_above_only(world, people, approved):
    exc = refused(
        lambda: services.submission_reopen(actor=world.officer, submission=approved, reason="更正"),
        PermissionDenied,
    )
    assert exc.message == "The figures of 南安市 are approved by a region above it, not by its own officers."


def test_a_prefectures_own_figures_are_approved_by_the_province(world, people, checks):
    april = dt.date(2026, 4, 1)
    submission = save(people.prefecture, checks, people.quanzhou, {"beds": "3"}, period=april).submission
    services.submission_submit(actor=people.prefecture, submission=submission)
    exc = refused(
        lambda: services.submission_approve(actor=people.prefecture, submission=submission), PermissionDenied
    )
    assert exc.message == "The figures of 泉州市 are approved by a region above it, not by its own officers."
    assert services.submission_approve(actor=people.province, submission=submission).status == "approved"


# --- history --------------------------------------------------------------------------------------------------


def test_corrections_keep_every_version_and_who_entered_it(world, people, data_sets, at, draft):
    data_set = data_sets["registered_users"]
    services.submission_submit(actor=world.officer, submission=draft)
    at(TODAY, hour=10)
    services.submission_return(actor=people.prefecture, submission=draft, reason="其他毒品人数偏高")
    colleague = user("officer2", world.commission, Role.HEALTH_OFFICER)
    at(TODAY, hour=11)
    save(colleague, data_set, world.county, {**GOOD, "other": "40", "total": "990"}, expected_version=1)
    services.submission_submit(actor=colleague, submission=draft)
    services.submission_approve(actor=people.prefecture, submission=draft)
    at(TODAY, hour=15)
    services.submission_reopen(actor=people.province, submission=draft, reason="公安通报更正")
    save(world.officer, data_set, world.county, {**GOOD, "other": "45", "total": "995"})

    submission = Submission.objects.get()
    assert (submission.status, submission.version) == ("draft", 3)
    assert values_of(submission)["total"] == 995
    assert steps(submission) == [
        ("saved", 1, "officer", ""),
        ("submitted", 1, "officer", ""),
        ("returned", 1, "quanzhou_narcotics", "其他毒品人数偏高"),
        ("saved", 2, "officer2", ""),
        ("submitted", 2, "officer2", ""),
        ("approved", 2, "quanzhou_narcotics", ""),
        ("reopened", 2, "fujian_officer", "公安通报更正"),
        ("saved", 3, "officer", ""),
    ]
    totals = dict(
        DataValue.objects.filter(submission=submission, element__code="total").values_list("version", "value")
    )
    assert totals == {1: 1000, 2: 990, 3: 995}
    history = submission_history(submission)
    assert [(v.number, v.saved.by.username) for v in history.versions] == [
        (3, "officer"),
        (2, "officer2"),
        (1, "officer"),
    ]
    rows = {e.code: cells for e, cells in history.rows}
    assert rows["total"] == ["995", "990", "1000"]
    assert rows["compulsory_isolation"] == ["", "", ""]
    # The figures of a version cannot be changed or removed.
    first = DataValue.objects.filter(submission=submission, version=1).first()
    with pytest.raises(AppendOnlyError):
        first.save()
    with pytest.raises(AppendOnlyError):
        DataValue.objects.filter(submission=submission).update(value=0)
    with pytest.raises(AppendOnlyError):
        Step.objects.filter(submission=submission).delete()


def test_one_submission_per_data_set_region_and_period(world, people, data_sets, draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.create(
            data_set=data_sets["registered_users"], region=Region.objects.get(code="350583"), period_start=YEAR,
            created_at=draft.created_at, created_by=world.officer,
        )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        DataValue.objects.create(
            submission=draft, element=draft.data_set.elements.get(code="total"), version=1, value=1
        )


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE datasets_datavalue SET value = 0 WHERE submission_id = %s",
        "DELETE FROM datasets_datavalue WHERE submission_id = %s",
        "UPDATE datasets_step SET reason = 'x' WHERE submission_id = %s",
        "DELETE FROM datasets_step WHERE submission_id = %s",
    ],
)
def test_the_database_refuses_to_change_the_history(draft, statement):
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [draft.pk])
    assert values_of(draft)["total"] == 1000
    assert Step.objects.filter(submission=draft).count() == 1
