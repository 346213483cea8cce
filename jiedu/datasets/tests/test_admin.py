"""Defining data sets in the administration: a new one is offered for entry at once; bad codes and rules are
named and write nothing; once figures are entered under a data set its shape stays and changes raise its version."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from jiedu.core.errors import FieldErrors
from jiedu.core.models import AuditEntry
from jiedu.datasets import selectors, services
from jiedu.datasets.models import DataElement, DataSet, ValidationRule
from jiedu.datasets.tests.data import GOOD, TODAY, YEAR

pytestmark = pytest.mark.django_db

ELEMENT_FIELDS = ("order", "code", "name_zh", "name_en", "value_type", "required", "help_zh", "help_en")
RULE_FIELDS = ("code", "left", "operator", "right", "right_constant", "message_zh", "message_en")


def _rows(
    prefix: str, existing: list, new: list[dict], fields: tuple[str, ...], parent: DataSet | None
) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(existing) + len(new)),
        f"{prefix}-INITIAL_FORMS": str(len(existing)),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    rows = [({f: getattr(obj, f) for f in fields}, obj.pk) for obj in existing] + [(row, None) for row in new]
    for i, (row, pk) in enumerate(rows):
        data[f"{prefix}-{i}-id"] = "" if pk is None else str(pk)
        data[f"{prefix}-{i}-data_set"] = "" if parent is None else str(parent.pk)
        for field, value in row.items():
            if value is None or value is False:
                continue  # an unticked box or an empty constant is not posted
            data[f"{prefix}-{i}-{field}"] = "on" if value is True else str(value)
    return data


def form(data_set: DataSet | None = None, *, elements=(), rules=(), element_changes=None, **fields) -> dict:
    """The POST of the add page (no data set) or of a data set's change page with everything it shows."""
    base = (
        {
            "name_zh": "娱乐场所检测",
            "name_en": "Venue testing",
            "period_type": "quarterly",
            "reporting_level": "county",
        }
        if data_set is None
        else {f: getattr(data_set, f) for f in ("name_zh", "name_en", "period_type", "reporting_level")}
    )
    if data_set is None:
        base["code"] = "venue_testing"
    base["is_active"] = True
    base.update(fields)
    data = {k: ("on" if v is True else v) for k, v in base.items() if v is not False}
    existing = list(data_set.elements.all()) if data_set else []
    for element in existing:
        for field, value in (element_changes or {}).get(element.code, {}).items():
            setattr(element, field, value)
    data.update(_rows("elements", existing, list(elements), ELEMENT_FIELDS, data_set))
    data.update(
        _rows("rules", list(data_set.rules.all()) if data_set else [], list(rules), RULE_FIELDS, data_set)
    )
    return data


def element(order: int, code: str, **more) -> dict:
    return {"order": order, "code": code, "name_zh": f"{code}（中）", "name_en": code, "value_type": "integer",
            "required": True, **more}  # fmt: skip


def rule(code: str, left: str, op: str, right: str = "", constant: str | None = None) -> dict:
    return {"code": code, "left": left, "operator": op, "right": right, "right_constant": constant,
            "message_zh": "检测人数不应多于从业人数", "message_en": "Tested cannot exceed workers"}  # fmt: skip


ADD = "/admin/datasets/dataset/add/"


def login(client, user) -> None:
    client.force_login(user)
    client.cookies["django_language"] = "en"


def errors_of(response) -> str:
    assert response.status_code == 200, response.status_code  # the form came back with its errors
    return response.content.decode()


def test_a_data_set_defined_here_is_offered_for_entry_at_once(client, world, people):
    login(client, world.sysadmin)
    response = client.post(
        ADD,
        form(
            elements=[element(1, "workers"), element(2, "tested")],
            rules=[rule("tested_within_workers", "tested", "<=", "workers")],
        ),
    )
    assert response.status_code == 302
    made = DataSet.objects.get(code="venue_testing")
    assert (made.period_type, made.reporting_level, made.version, made.is_active) == (
        "quarterly",
        "county",
        1,
        True,
    )
    assert list(made.elements.values_list("order", "code", "value_type")) == [
        (1, "workers", "integer"),
        (2, "tested", "integer"),
    ]
    assert list(made.rules.values_list("left", "operator", "right")) == [("tested", "<=", "workers")]
    assert sorted(
        AuditEntry.objects.filter(actor=world.sysadmin, action__startswith="datasets.").values_list(
            "action", flat=True
        )
    ) == [
        "datasets.dataelement.create",
        "datasets.dataelement.create",
        "datasets.dataset.create",
        "datasets.validationrule.create",
    ]
    offered = {o.data_set.code for o in selectors.entry_offers(user=people.county, today=TODAY)}
    assert offered == {"district_quarterly", "registered_users", "venue_testing"}
    # Its rule holds on entry like a seeded one: nothing is written and the message names the element.
    with translation.override("en"), pytest.raises(FieldErrors) as caught:
        services.submission_save(
            actor=people.county,
            data_set=made,
            region=world.officer.organisation.region,
            period=TODAY.replace(month=4, day=1),
            values={"workers": "10", "tested": "12"},
        )
    assert caught.value.fields == {"tested": ["Tested cannot exceed workers (entered 12 and 10)."]}
    assert not made.submissions.exists()


def test_spaces_in_a_rule_are_dropped_and_a_constant_may_stand_on_the_right(client, world, people):
    login(client, world.sysadmin)
    response = client.post(
        ADD,
        form(
            elements=[element(1, "workers"), element(2, "tested")],
            rules=[rule("some", " tested + workers ", ">=", constant="1")],
        ),
    )
    assert response.status_code == 302
    made = ValidationRule.objects.get(data_set__code="venue_testing")
    assert (made.left, made.right, made.right_constant) == ("tested+workers", "", Decimal(1))


@pytest.mark.parametrize(
    ("elements", "rules", "message"),
    [
        (
            [element(1, "Workers")],
            [],
            "Use lower-case letters, digits and underscores, starting with a letter.",
        ),
        ([], [], "A data set needs at least one element."),
        (
            [element(1, "workers")],
            [rule("r", "tested", "<=", "workers")],
            "Not an element of this data set: tested.",
        ),
        (
            [element(1, "workers")],
            [rule("r", "workers", "<=", "workers+venues+bars")],
            "Not an element of this data set: bars, venues.",
        ),
        (
            [element(1, "workers")],
            [rule("r", "workers", ">=", "workers", "1")],
            "Give either a right side or a constant, not both.",
        ),
        ([element(1, "workers")], [rule("r", "workers", ">=")], "Give a right side or a constant."),
        (
            [element(1, "workers")],
            [rule("r", "workers-1", ">=", constant="0")],
            "Name an element by its code, or several joined by +: total, or opioid+synthetic+other.",
        ),
    ],
)
def test_a_bad_definition_is_named_and_writes_nothing(client, world, people, elements, rules, message):
    login(client, world.sysadmin)
    before = (DataSet.objects.count(), DataElement.objects.count(), ValidationRule.objects.count())
    page = errors_of(client.post(ADD, form(elements=elements, rules=rules)))
    assert message in page
    assert (DataSet.objects.count(), DataElement.objects.count(), ValidationRule.objects.count()) == before
    assert not AuditEntry.objects.filter(actor=world.sysadmin, action__startswith="datasets.").exists()


def test_a_used_data_set_keeps_its_shape_and_a_change_raises_its_version(client, world, people, data_sets):
    registered = data_sets["registered_users"]
    services.submission_save(
        actor=people.county,
        data_set=registered,
        region=world.officer.organisation.region,
        period=YEAR,
        values=GOOD,
    )
    login(client, world.sysadmin)
    url = f"/admin/datasets/dataset/{registered.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="is_active"' in page and 'name="name_zh"' in page
    assert (
        'name="period_type"' not in page
        and 'name="reporting_level"' not in page
        and 'name="code"' not in page
    )
    assert (
        '<input type="text" name="elements-0-code" value="total" class="vTextField" maxlength="64" disabled'
        in page
    )
    assert '<select name="elements-0-value_type" disabled' in page
    # Every element's code and value type (7 + 7) and both rules' codes are shown but not taken.
    assert page.count(" disabled") == 16

    # Names may be mended without a new version; a posted change of a saved code or value type is ignored.
    response = client.post(
        url,
        form(
            registered,
            element_changes={"total": {"name_en": "Registered, all drugs", "value_type": "decimal"}},
        ),
    )
    assert response.status_code == 302
    total = DataElement.objects.get(data_set=registered, code="total")
    assert (total.name_en, total.value_type) == ("Registered, all drugs", "integer")
    registered.refresh_from_db()
    assert registered.version == 2  # the element's name changed: the definition moved on

    response = client.post(url, form(registered))
    assert response.status_code == 302
    registered.refresh_from_db()
    assert registered.version == 2  # nothing in the elements or rules changed

    response = client.post(
        url,
        form(
            registered,
            elements=[element(8, "released", required=False)],
            rules=[rule("released_within_total", "released", "<=", "total")],
        ),
    )
    assert response.status_code == 302
    registered.refresh_from_db()
    assert registered.version == 3
    assert list(registered.elements.values_list("code", flat=True))[-1] == "released"
    versions = AuditEntry.objects.filter(action="datasets.dataset.version").order_by("pk")
    assert [e.detail["version"] for e in versions] == [2, 3]


def test_an_unused_data_set_keeps_its_version_and_may_change_its_period(client, world, people):
    login(client, world.sysadmin)
    assert client.post(ADD, form(elements=[element(1, "workers")])).status_code == 302
    made = DataSet.objects.get(code="venue_testing")
    url = f"/admin/datasets/dataset/{made.pk}/change/"
    assert 'name="period_type"' in client.get(url).content.decode()
    response = client.post(url, form(made, period_type="yearly", elements=[element(2, "tested")]))
    assert response.status_code == 302
    made.refresh_from_db()
    assert (made.period_type, made.version, made.elements.count()) == ("yearly", 1, 2)


def test_only_system_administrators_define_data_sets(client, world, people):
    login(client, people.county)
    assert client.get(ADD).status_code in (302, 403)
    assert client.post(ADD, form(elements=[element(1, "workers")])).status_code in (302, 403)
    assert not DataSet.objects.filter(code="venue_testing").exists()
