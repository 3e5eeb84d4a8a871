"""English dates are written day before month, with a 24-hour clock (funding/formats/en)."""

import datetime

from django import forms
from django.utils import formats, translation

DAY = datetime.date(2027, 3, 1)
MOMENT = datetime.datetime(2027, 3, 1, 14, 30)


def test_english_dates_put_the_day_first_and_german_ones_stay():
    with translation.override("en"):
        assert formats.date_format(DAY, "SHORT_DATE_FORMAT") == "01/03/2027"
        assert formats.date_format(DAY, "DATE_FORMAT") == "1 March 2027"
        assert formats.date_format(MOMENT, "SHORT_DATETIME_FORMAT") == "01/03/2027 14:30"
        assert formats.get_format("DECIMAL_SEPARATOR") == "."
    with translation.override("de"):
        assert formats.date_format(DAY, "SHORT_DATE_FORMAT") == "01.03.2027"
        assert formats.date_format(MOMENT, "SHORT_DATETIME_FORMAT") == "01.03.2027 14:30"


def test_an_english_date_is_read_day_first_never_month_first():
    class Form(forms.Form):
        day = forms.DateField()

    with translation.override("en"):
        form = Form({"day": "01/03/2027"})
        form.is_valid()
        assert form.cleaned_data["day"] == DAY
        assert not Form({"day": "03/31/2027"}).is_valid()  # no 31st month
        iso = Form({"day": "2027-03-01"})
        assert iso.is_valid() and iso.cleaned_data["day"] == DAY
