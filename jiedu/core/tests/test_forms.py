import datetime as dt

from django import forms
from django.utils import translation

from jiedu.core.forms import DateInput


class _Form(forms.Form):
    day = forms.DateField(widget=DateInput)


def test_a_prefilled_date_is_iso_in_chinese_so_the_date_picker_shows_it():
    with translation.override("zh-hans"):
        html = str(_Form(initial={"day": dt.date(2026, 5, 20)})["day"])
        plain = forms.DateInput().render("day", dt.date(2026, 5, 20))

    assert html == '<input type="date" name="day" value="2026-05-20" required id="id_day">'
    # Django's own widget follows the language's format, which a date picker cannot read (it shows empty).
    assert plain == '<input type="text" name="day" value="2026/05/20">'
