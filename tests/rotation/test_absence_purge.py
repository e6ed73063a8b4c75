from datetime import timedelta

import pytest
from django.utils import timezone

from assembly.rotation.models import Absence
from assembly.rotation.tasks import purge
from tests.factories import MembershipFactory
from tests.workers import wait_until


@pytest.mark.django_db(transaction=True)
def test_worker_erases_absences_that_are_over_through_redis(celery_worker):
    membership = MembershipFactory()
    today = timezone.now().date()
    over = Absence.objects.create(
        membership=membership, starts_on=today - timedelta(days=9), ends_on=today - timedelta(days=2)
    )
    current = Absence.objects.create(membership=membership, starts_on=today - timedelta(days=1), ends_on=today)

    purge.delay()

    wait_until(lambda: not Absence.objects.filter(pk=over.pk).exists(), what="the worker to erase the old absence")
    assert list(Absence.objects.values_list("pk", flat=True)) == [current.pk]


def test_beat_schedules_the_rotation_purge(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "assembly.rotation.purge" in tasks
