"""`make run`'s demo data: loads twice without change and shows the rapid-response parts of issue 11."""

import pytest
from django.core.management import call_command

from assembly.accounts.models import User
from assembly.assemblies.models import Assembly, Zone
from assembly.common.phones import phone_parse
from assembly.defense import shifts
from assembly.defense.models import DispatchShift, GamePlan, ReportLine

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "shifts": DispatchShift.objects.count(),
        "lines": ReportLine.objects.count(),
        "neighbors": Zone.neighbors.through.objects.count(),
    }


def test_demo_loads_twice_without_change():
    call_command("seed_demo", "--force", stdout=None)
    first = _counts()
    call_command("seed_demo", "--force", stdout=None)

    assert _counts() == first


def test_demo_has_phones_channels_shifts_and_a_report_line():
    call_command("seed_demo", "--force", stdout=None)
    assembly = Assembly.objects.get(slug="barrio-ejemplo")
    plan = GamePlan.objects.get(assembly=assembly, status=GamePlan.Status.ACTIVE)

    phones = [user.phone for user in User.objects.exclude(phone="")]
    assert len(phones) >= 2
    assert all(phone_parse(phone) == phone for phone in phones)
    assert User.objects.filter(alerts_by_signal=True).exists()
    # Someone is on duty at any hour, by a shift (not only the fallback to every dispatcher).
    on_duty = shifts.on_duty(plan)
    assert len(on_duty) == 1
    assert len(shifts.plan_dispatchers(plan)) == 2
    line = ReportLine.objects.get(assembly=assembly)
    assert line.code and phone_parse(line.phone) == line.phone
    assert Zone.objects.filter(assembly=assembly, neighbors__isnull=False).distinct().count() == 3
