"""The pages: the list in the officer's scope, the entry form (errors beside each field, nothing written), a
submission with its history, and the approver's steps; Chinese by default, English on request."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from jiedu.core.models import AuditEntry
from jiedu.datasets import services
from jiedu.datasets.models import DataValue, Step, Submission
from jiedu.datasets.tests.data import GOOD, YEAR

pytestmark = pytest.mark.django_db

ENTRY = reverse("datasets:entry", args=["registered_users", "350583", "2025-01-01"])


def login(client, user, language="en"):
    client.force_login(user)
    if language:
        client.cookies["django_language"] = language


def text(response) -> str:
    """The page's text without tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def post_entry(client, values, action="save", seen=0, url=ENTRY):
    return client.post(url, {**values, "_seen": seen, "action": action})


@pytest.fixture
def submitted(world, people, data_sets):
    submission = services.submission_save(
        actor=world.officer,
        data_set=data_sets["registered_users"],
        region=world.county,
        period=YEAR,
        values=GOOD,
    ).submission
    return services.submission_submit(actor=world.officer, submission=submission)


# --- the list -------------------------------------------------------------------------------------------------


def test_the_list_is_in_chinese_by_default(client, world, people, data_sets):
    login(client, world.officer, language=None)
    response = client.get(reverse("datasets:list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="zh-hans">' in page
    assert "登记吸毒人员年度数据" in page and "区县季度重点指标" in page
    assert "Registered drug users (yearly)" not in page
    # The latest periods, each a link to the county's entry form.
    assert f'href="{ENTRY}"' in page
    assert 'href="/datasets/entry/district_quarterly/350583/2026-04-01/"' in page
    assert "/datasets/entry/district_quarterly/350583/2026-07-01/" not in page  # not begun


def test_the_list_in_english_shows_the_submissions_in_scope(client, world, people, submitted):
    login(client, people.prefecture)
    page = text(client.get(reverse("datasets:list")))
    assert "Registered drug users (yearly) 南安市 2025 Submitted" in page
    login(client, people.jinjiang)
    page = text(client.get(reverse("datasets:list")))
    assert "南安市" not in page
    assert "No figures entered in your region yet." in page


def test_the_prefecture_sees_which_counties_have_not_reported(client, world, people, submitted):
    login(client, people.prefecture)
    page = text(client.get(reverse("datasets:list")))
    assert (
        "Registered drug users (yearly) 2025 0 / 2 1 0 1 晋江市 · 南安市 Submitted" in page
    )  # 晋江市 has entered nothing; 南安市 waits for approval
    assert "District quarterly key indicators 2026 Q2 0 / 2 0 0 2 晋江市 · 南安市" in page
    assert (
        f'href="{reverse("datasets:detail", args=[submitted.pk])}"'
        in client.get(reverse("datasets:list")).content.decode()
    )
    login(client, world.officer)
    assert 'id="dataset-completeness"' not in client.get(reverse("datasets:list")).content.decode()


def test_a_prefecture_officer_is_offered_no_county_data_set_to_enter(client, people, data_sets):
    login(client, people.prefecture)
    page = client.get(reverse("datasets:list")).content.decode()
    assert "/datasets/entry/" not in page


# --- entering -------------------------------------------------------------------------------------------------


def test_the_entry_form_names_every_element(client, world, people, data_sets):
    login(client, world.officer)
    response = client.get(ENTRY)
    assert response.status_code == 200
    page = text(response)
    assert "Registered drug users (yearly)" in page
    assert "南安市 (350583)" in page and "Nothing entered yet" in page
    assert "Registered drug users, total *" in page
    assert "Persons in compulsory isolation at year end" in page
    assert "Persons in compulsory isolation at year end *" not in page
    assert "Drug users registered with the police, at the end of the year." in page


def test_saving_then_submitting_from_the_form(client, world, people, data_sets):
    login(client, world.officer)
    response = post_entry(client, GOOD)
    assert response.status_code == 302 and response["Location"] == ENTRY
    submission = Submission.objects.get()
    assert (submission.status, submission.version, submission.created_by) == ("draft", 1, world.officer)
    page = client.get(ENTRY).content.decode()
    assert "The figures are saved as version 1." in page
    assert 'name="total" value="1000"' in page
    assert 'name="_seen" value="1"' in page

    response = post_entry(client, {**GOOD, "other": "60", "total": "1010"}, action="submit", seen=1)
    assert response.status_code == 302
    assert response["Location"] == reverse("datasets:detail", args=[submission.pk])
    submission.refresh_from_db()
    assert (submission.status, submission.version) == ("submitted", 2)
    assert "The figures are submitted for approval." in client.get(response["Location"]).content.decode()


def test_errors_are_shown_beside_each_field_and_nothing_is_written(client, world, people, data_sets):
    login(client, world.officer)
    before = AuditEntry.objects.count()
    response = post_entry(client, {**GOOD, "synthetic": "640", "new_registrations": "lots"}, action="submit")
    assert response.status_code == 400
    page = response.content.decode()
    assert re.search(
        r'id="id_total-errors"><li>Opioid, synthetic-drug and other users must add up to the total '
        r"\(entered 1000 and 990\)\.</li>",
        page,
    )
    assert '<ul class="errorlist" id="id_new_registrations-errors"><li>New registrations in the year: enter a whole number, 0 or more.</li>' in page  # fmt: skip
    assert 'value="lots"' in page  # what was typed stays in the form
    assert (Submission.objects.count(), DataValue.objects.count(), Step.objects.count()) == (0, 0, 0)
    assert AuditEntry.objects.count() == before


def test_a_save_over_a_newer_version_is_refused_on_the_page(client, world, people, data_sets):
    login(client, world.officer)
    post_entry(client, GOOD)
    post_entry(client, {**GOOD, "other": "60", "total": "1010"}, seen=1)
    response = post_entry(client, {**GOOD, "other": "70", "total": "1020"}, seen=1)
    assert response.status_code == 400
    assert "Someone else changed these figures at the same moment: reload the page and try again." in text(
        response
    )
    assert Submission.objects.get().version == 2


def test_submitted_figures_are_shown_not_edited(client, world, people, submitted):
    login(client, world.officer)
    response = client.get(ENTRY)
    assert response.status_code == 200
    page = text(response)
    assert 'name="total"' not in response.content.decode()
    assert "Registered drug users, total 1000" in page
    response = post_entry(client, GOOD, seen=1)
    assert response.status_code == 400
    assert (
        "The figures were submitted and wait for approval: they change only after they are returned."
        in text(response)
    )
    assert Submission.objects.get().version == 1


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/datasets/entry/registered_users/350583/2025-07-01/", "A yearly period starts on 1 January."),
        (
            "/datasets/entry/registered_users/350583/2027-01-01/",
            "This period has not begun: figures are entered for a period that has started.",
        ),
        (
            "/datasets/entry/district_quarterly/350583/2026-05-01/",
            "A quarter starts on 1 January, 1 April, 1 July or 1 October.",
        ),
    ],
)
def test_a_bad_period_is_explained(client, world, people, data_sets, url, message):
    login(client, world.officer)
    response = client.get(url)
    assert response.status_code == 400
    assert message in text(response)
    assert 'name="total"' not in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/datasets/entry/registered_users/350582/2025-01-01/",  # 晋江市: outside the county
        "/datasets/entry/registered_users/350583/2025-13-01/",
        "/datasets/entry/registered_users/999999/2025-01-01/",
        "/datasets/entry/nothing/350583/2025-01-01/",
    ],
)
def test_entry_outside_the_scope_or_unknown_is_not_found(client, world, people, data_sets, url):
    login(client, world.officer)
    assert client.get(url).status_code == 404


def test_a_region_above_sees_but_does_not_enter(client, world, people, data_sets):
    login(client, people.prefecture)
    before = AuditEntry.objects.count()
    response = post_entry(client, GOOD)
    assert response.status_code == 403
    assert list(AuditEntry.objects.filter(seq__gt=before).values_list("action", flat=True)) == [
        "access.denied"
    ]
    assert Submission.objects.count() == 0


# --- a submission and its steps -------------------------------------------------------------------------------


def test_the_detail_shows_the_history_and_the_approvers_steps(client, world, people, submitted):
    url = reverse("datasets:detail", args=[submitted.pk])
    login(client, world.officer)
    response = client.get(url)
    page = text(response)
    assert response.status_code == 200
    assert "Registered drug users (yearly) · 南安市 · 2025" in page
    assert "Figures saved 1 officer" in page and "Submitted 1 officer" in page
    assert "Approve the figures" not in page  # the county's own officer does not approve
    login(client, people.prefecture)
    page = client.get(url).content.decode()
    assert f'action="{reverse("datasets:approve", args=[submitted.pk])}"' in page
    assert f'action="{reverse("datasets:return", args=[submitted.pk])}"' in page
    assert reverse("datasets:reopen", args=[submitted.pk]) not in page


def test_the_detail_in_chinese_names_the_elements_in_chinese(client, world, people, submitted):
    login(client, world.officer, language="zh-hans")
    page = client.get(reverse("datasets:detail", args=[submitted.pk])).content.decode()
    assert "登记吸毒人员年度数据 · 南安市 · 2025" in page
    assert "其中：阿片类（海洛因等）吸毒人员" in page


def test_approve_then_reopen_then_correct(client, world, people, submitted):
    login(client, people.prefecture)
    response = client.post(reverse("datasets:approve", args=[submitted.pk]))
    assert response.status_code == 302
    assert "The figures are approved." in client.get(response["Location"]).content.decode()
    submitted.refresh_from_db()
    assert submitted.status == "approved"

    response = client.post(reverse("datasets:reopen", args=[submitted.pk]), {"reopen-reason": ""})
    assert response.status_code == 400
    assert 'id="id_reopen-reason-errors"><li>Say why the approved figures are reopened.</li>' in (
        response.content.decode()
    )
    response = client.post(
        reverse("datasets:reopen", args=[submitted.pk]), {"reopen-reason": "公安更正年末人数"}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "draft"

    login(client, world.officer)
    page = text(client.get(ENTRY))
    assert "Reopened after approval · quanzhou_narcotics · 2026-05-20 09:00: 公安更正年末人数" in page
    response = post_entry(client, {**GOOD, "other": "40", "total": "990"}, seen=1)
    assert response.status_code == 302
    page = text(client.get(reverse("datasets:detail", args=[submitted.pk])))
    # Both versions stay readable, the latest first.
    assert "Registered drug users, total 990 1000" in page


def test_return_asks_for_the_reason(client, world, people, submitted):
    login(client, people.province)
    response = client.post(reverse("datasets:return", args=[submitted.pk]), {"return-reason": "  "})
    assert response.status_code == 400
    assert 'id="id_return-reason-errors"><li>Say what must be corrected.</li>' in response.content.decode()
    response = client.post(
        reverse("datasets:return", args=[submitted.pk]), {"return-reason": "合成毒品人数请核实"}
    )
    assert response.status_code == 302
    assert Step.objects.filter(kind="returned").values_list("reason", flat=True).get() == "合成毒品人数请核实"


def test_a_step_refused_by_the_status_is_explained(client, world, people, submitted):
    login(client, people.prefecture)
    client.post(reverse("datasets:approve", args=[submitted.pk]))
    response = client.post(reverse("datasets:approve", args=[submitted.pk]))
    assert response.status_code == 400
    assert "The figures are approved already." in text(response)
    response = client.post(reverse("datasets:return", args=[submitted.pk]), {"return-reason": "核实"})
    assert response.status_code == 400
    assert "Approved figures are not returned: reopen them, with the reason." in text(response)


@pytest.mark.parametrize(
    "route", ["datasets:detail", "datasets:approve", "datasets:return", "datasets:reopen"]
)
@pytest.mark.parametrize("who", ["jinjiang", "jiangxi"])
def test_outside_the_scope_is_not_found(client, people, submitted, route, who):
    login(client, getattr(people, who))
    url = reverse(route, args=[submitted.pk])
    response = client.get(url) if route == "datasets:detail" else client.post(url)
    assert response.status_code == 404
    assert Submission.objects.get().status == "submitted"


def test_the_countys_own_officer_is_refused_the_approvers_steps(client, world, people, submitted):
    login(client, world.officer)
    before = AuditEntry.objects.count()
    response = client.post(reverse("datasets:approve", args=[submitted.pk]))
    assert response.status_code == 403
    assert list(AuditEntry.objects.filter(seq__gt=before).values_list("action", flat=True)) == [
        "access.denied"
    ]
    assert Submission.objects.get().status == "submitted"


def test_a_time_on_the_page_is_shanghai_time(client, world, people, at, data_sets):
    at(dt.date(2026, 5, 20), hour=23, minute=30)
    login(client, world.officer)
    post_entry(client, GOOD)
    page = text(client.get(reverse("datasets:list")))
    assert "Figures saved · officer · 2026-05-20 23:30" in page
