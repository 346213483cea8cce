"""This app's rows of the permission matrix (jiedu/policy/tests/test_matrix.py merges every app's rows).

The annual evaluation is read by the health officer and the inspector of 南安市 and computed and published by
the officer. The director of clinic A may read evaluations too, but only published ones the clinic was ranked in,
so the county's draft is out of the director's scope (404). Scope across regions (a county sees the province's evaluation once published) is tested in
test_services.py and test_views.py."""

from django.urls import reverse

from jiedu.evaluation.models import Scheme
from jiedu.evaluation.tests.data import county_draft
from jiedu.policy.tests.test_matrix import row

VIEWERS = {"officer", "inspector", "director_a"}
DIRECTORS = {"director_a"}


def the_draft(name):
    return lambda world, subject: reverse(name, args=[county_draft(world).pk])


def the_scheme(world, subject):
    return reverse("evaluation:scheme", args=[Scheme.objects.get(code="county-annual").pk])


ROWS: dict = {
    "evaluation:list": ("get", row(VIEWERS)),
    "evaluation:compute": ("post", row({"officer"}, ok_status=400)),
    "evaluation:scheme": ("get", row(VIEWERS, url=the_scheme)),
    "evaluation:detail": ("get", row(VIEWERS, hidden=DIRECTORS, url=the_draft("evaluation:detail"))),
    "evaluation:publish": ("post", row({"officer"}, url=the_draft("evaluation:publish"), ok_status=302)),
    # POSTed without a reason: the form comes back with its error.
    "evaluation:withdraw": ("post", row({"officer"}, url=the_draft("evaluation:withdraw"), ok_status=400)),
    "evaluation:workbook": ("get", row(VIEWERS, hidden=DIRECTORS, url=the_draft("evaluation:workbook"))),
    "evaluation:report": ("get", row(VIEWERS, hidden=DIRECTORS, url=the_draft("evaluation:report"))),
}
