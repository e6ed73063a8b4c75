"""A row's Message-ID is the same at every send, so a repeat after a crash folds into the first in mail clients."""

import pytest

from assembly.meetings import services
from assembly.notify.models import Message
from assembly.notify.services import render_email
from tests.factories import UserFactory
from tests.meetings.factories import MeetingFactory

pytestmark = pytest.mark.django_db


def test_a_row_keeps_its_message_id_at_every_send_and_names_nobody():
    meeting = MeetingFactory()
    first, second = (services.registration_create(meeting=meeting, user=UserFactory()) for _n in range(2))
    one, other = (Message.objects.get(kind="registration_confirmed", object_id=r.pk) for r in (first, second))

    sent, resent = render_email(one), render_email(one)

    assert sent.extra_headers["Message-ID"] == resent.extra_headers["Message-ID"]
    assert sent.extra_headers["Message-ID"] != render_email(other).extra_headers["Message-ID"]
    assert one.recipient_key not in sent.extra_headers["Message-ID"]
    assert first.user.email.split("@")[0] not in sent.extra_headers["Message-ID"]
