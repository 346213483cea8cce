"""The seeded schemes, the checks on a criterion, and the schemes in the administration (a used scheme is only
retired)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from jiedu.evaluation.models import Criterion, Scheme
from jiedu.evaluation.tests.data import county_draft
from jiedu.indicators.dictionary import BY_CODE

pytestmark = pytest.mark.django_db


def test_the_seeded_schemes_are_out_of_100_and_name_real_indicators(db):
    for code, subject, count in (("county-annual", "county", 10), ("clinic-annual", "institution", 7)):
        scheme = Scheme.objects.get(code=code)
        criteria = list(scheme.criteria.all())
        assert (scheme.subject, len(criteria), sum(c.weight for c in criteria)) == (subject, count, D(100))
        for criterion in criteria:
            criterion.full_clean()
            assert criterion.source != "indicator" or criterion.parameter in BY_CODE
    retention = Criterion.objects.get(scheme__code="county-annual", code="retention")
    assert (retention.parameter, retention.zero_at, retention.full_at) == ("annual_retention", 50, 90)


def test_a_criterion_names_a_real_indicator_and_fits_its_scheme(db):
    clinics = Scheme.objects.get(code="clinic-annual")

    def criterion(**changes):
        fields = {"scheme": clinics, "code": "x", "name_zh": "x", "name_en": "x", "source": "indicator",
                  "parameter": "annual_retention", "weight": D(5), "zero_at": D(0), "full_at": D(10),
                  "missing": "zero", "order": 9, **changes}  # fmt: skip
        return Criterion(**fields)

    criterion().full_clean()
    for changes, field, message in (
        ({"parameter": "retention_rate"}, "parameter", "Name an indicator of the dictionary by its code."),
        ({"source": "capability"}, "parameter", "Only an indicator criterion names an indicator."),
        (
            {"source": "campaign_events", "parameter": ""},
            "source",
            "This figure is counted by county only; an institution has none.",
        ),
        ({"full_at": D(0)}, "full_at", "Full points need a value other than the one earning none."),
    ):
        with pytest.raises(ValidationError) as caught:
            criterion(**changes).full_clean()
        assert caught.value.message_dict == {field: [message]}


def test_a_used_scheme_can_only_be_retired_in_the_administration(world, client):
    client.force_login(world.sysadmin)
    unused = Scheme.objects.get(code="county-annual")
    page = client.get(f"/admin/evaluation/scheme/{unused.pk}/change/").content.decode()
    assert 'name="commend_places"' in page and 'name="criteria-0-weight"' in page
    used = county_draft(world).scheme
    page = client.get(f"/admin/evaluation/scheme/{used.pk}/change/").content.decode()
    assert 'name="commend_places"' not in page and 'name="criteria-0-weight"' not in page
    assert 'name="is_active"' in page
    client.force_login(world.officer)
    assert client.get(f"/admin/evaluation/scheme/{used.pk}/change/").status_code in (302, 403)
