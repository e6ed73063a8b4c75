"""Form helpers shared by every capability."""

from datetime import date, datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _


class DateWindowValidator:
    """Accept a date (or date and time) only within a window around now.

    A typo such as year 9999 or year 1 gets a message in the reader's language instead of an overflow
    when it is converted to UTC. Both sides are compared as wall-clock values in the value's own zone
    (the assembly's), so the check itself cannot overflow.
    """

    def __init__(self, *, past: timedelta, future: timedelta):
        self.past = past
        self.future = future

    def __call__(self, value: date | datetime) -> None:
        now = timezone.localtime(timezone.now(), value.tzinfo) if isinstance(value, datetime) else timezone.now()
        if isinstance(value, datetime):
            wall, today = value.replace(tzinfo=None), now.replace(tzinfo=None)
        else:
            wall, today = value, timezone.localdate(now)
        earliest, latest = today - self.past, today + self.future
        if not earliest <= wall <= latest:
            raise ValidationError(
                _("Choose a date between %(earliest)s and %(latest)s."),
                code="out_of_window",
                params={
                    "earliest": formats.date_format(earliest, "DATE_FORMAT"),
                    "latest": formats.date_format(latest, "DATE_FORMAT"),
                },
            )


def bound_dates(form: forms.BaseForm, *names: str, past: timedelta, future: timedelta) -> None:
    """Limit these date fields of a form to a window around now."""
    for name in names:
        form.fields[name].validators.append(DateWindowValidator(past=past, future=future))
