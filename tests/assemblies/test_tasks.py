from datetime import timedelta

import pytest
from django.utils import timezone

from assembly.assemblies import services
from assembly.assemblies.models import Invitation
from assembly.assemblies.tasks import purge_expired_invitations
from tests.factories import AssemblyFactory
from tests.workers import wait_until


@pytest.mark.django_db(transaction=True)
def test_worker_purges_expired_invitations_sent_through_redis(celery_worker):
    assembly = AssemblyFactory()
    keep, _ = services.invitation_create(assembly=assembly, actor=None)
    expired, _ = services.invitation_create(assembly=assembly, actor=None)
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(hours=1))

    purge_expired_invitations.delay()

    wait_until(lambda: not Invitation.objects.filter(pk=expired.pk).exists(), what="the worker to purge")
    assert list(Invitation.objects.values_list("pk", flat=True)) == [keep.pk]


def test_beat_schedules_the_purge(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "assembly.assemblies.purge_expired_invitations" in tasks
