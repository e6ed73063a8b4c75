"""Real threads with their own database connections race for the same seats: the count must hold.

Run against the SQLite file the tests use, and against PostgreSQL when DATABASE_URL names it.
"""

import threading
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from assembly.meetings import links, services
from assembly.meetings.models import Meeting, Registration
from assembly.notify.models import Message
from tests.conftest import client_for
from tests.factories import AssemblyFactory, UserFactory
from tests.meetings.factories import MeetingFactory

pytestmark = pytest.mark.django_db(transaction=True)

Status = Registration.Status
RACERS = 20


def _race(count: int, work) -> tuple[list, list[BaseException]]:
    """Run work(i) in `count` threads released together; return their results and any unexpected errors."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except ValidationError as refused:
            results[index] = refused
        except BaseException as error:
            # Whatever a thread meets must reach the test, not die with the thread.
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def _statuses(meeting: Meeting) -> Counter:
    return Counter(meeting.registrations.values_list("status", flat=True))


def test_race_for_three_seats_seats_exactly_three():
    meeting = MeetingFactory(assembly=AssemblyFactory(), capacity=3)
    users = [UserFactory() for _n in range(RACERS)]

    def sign_up(index: int) -> Registration:
        return services.registration_create(meeting=Meeting.objects.get(pk=meeting.pk), user=users[index])

    results, errors = _race(RACERS, sign_up)
    assert errors == []
    assert all(isinstance(result, Registration) for result in results)
    assert _statuses(meeting) == {Status.CONFIRMED: 3, Status.WAITLISTED: 17}
    assert Meeting.objects.get(pk=meeting.pk).seats_taken == 3
    assert Message.objects.filter(kind="registration_confirmed").count() == 3
    assert Message.objects.filter(kind="registration_waitlisted").count() == 17


def test_race_of_one_member_gives_one_registration():
    meeting = MeetingFactory(assembly=AssemblyFactory(), capacity=3)
    user = UserFactory()

    def sign_up(_index: int) -> Registration:
        return services.registration_create(meeting=Meeting.objects.get(pk=meeting.pk), user=user)

    results, errors = _race(RACERS, sign_up)
    assert errors == []
    refusals = [r for r in results if isinstance(r, ValidationError)]
    assert len(refusals) == RACERS - 1
    assert {tuple(r.messages) for r in refusals} == {("You are already signed up for this meeting.",)}
    assert _statuses(meeting) == {Status.CONFIRMED: 1}
    assert Meeting.objects.get(pk=meeting.pk).seats_taken == 1


def test_race_of_one_guest_email_gives_one_registration():
    meeting = MeetingFactory(assembly=AssemblyFactory(), capacity=3)

    def sign_up(index: int) -> Registration | None:
        return services.guest_registration_create(
            meeting=Meeting.objects.get(pk=meeting.pk), alias=f"Rosa {index}", email="rosa@example.net", language="en"
        )

    _results, errors = _race(RACERS, sign_up)
    assert errors == []
    assert list(meeting.registrations.values_list("guest_email", "status")) == [
        ("rosa@example.net", Status.UNCONFIRMED)
    ]
    assert Meeting.objects.get(pk=meeting.pk).seats_taken == 0


def test_race_to_confirm_one_guest_link_takes_one_seat():
    meeting = MeetingFactory(assembly=AssemblyFactory(), capacity=3)
    guest = services.guest_registration_create(meeting=meeting, alias="Rosa", email="rosa@example.net", language="en")
    url = links.confirm_url(guest.pk, language="en")

    def confirm(_index: int) -> int:
        return client_for(None).post(url).status_code

    results, errors = _race(RACERS, confirm)
    assert errors == []
    assert results == [200] * RACERS
    assert _statuses(meeting) == {Status.CONFIRMED: 1}
    assert Meeting.objects.get(pk=meeting.pk).seats_taken == 1
    assert Message.objects.filter(kind="registration_confirmed").count() == 1


def test_concurrent_cancellations_each_promote_a_different_person():
    meeting = MeetingFactory(assembly=AssemblyFactory(), capacity=10)
    registrations = [services.registration_create(meeting=meeting, user=UserFactory()) for _n in range(25)]
    seated, waitlist = registrations[:10], registrations[10:]
    assert {r.status for r in seated} == {Status.CONFIRMED}
    assert {r.status for r in waitlist} == {Status.WAITLISTED}

    def cancel(index: int) -> Registration:
        return services.registration_cancel(registration=Registration.objects.get(pk=seated[index].pk))

    _results, errors = _race(len(seated), cancel)
    assert errors == []
    promoted = set(Message.objects.filter(kind="registration_promoted").values_list("object_id", flat=True))
    confirmed = set(meeting.registrations.filter(status=Status.CONFIRMED).values_list("pk", flat=True))
    assert confirmed == promoted == {r.pk for r in waitlist[:10]}
    assert _statuses(meeting) == {Status.CANCELLED: 10, Status.CONFIRMED: 10, Status.WAITLISTED: 5}
    assert Meeting.objects.get(pk=meeting.pk).seats_taken == 10


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one writer at a time")
def test_cancellation_while_another_promotes_still_promotes():
    meeting = MeetingFactory(assembly=AssemblyFactory(), capacity=2)
    first, second, *waitlist = [services.registration_create(meeting=meeting, user=UserFactory()) for _n in range(4)]
    promoting, finished = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold_the_promotion() -> None:
        try:
            with transaction.atomic():
                services.registration_cancel(registration=Registration.objects.get(pk=first.pk))
                promoting.set()
                # Only a guard against a deadlock if a fix makes the other cancellation wait for this one.
                finished.wait(timeout=10)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    def cancel_meanwhile() -> None:
        try:
            promoting.wait(timeout=10)
            services.registration_cancel(registration=Registration.objects.get(pk=second.pk))
        except BaseException as error:
            errors.append(error)
        finally:
            finished.set()
            connection.close()

    threads = [threading.Thread(target=hold_the_promotion), threading.Thread(target=cancel_meanwhile)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert set(meeting.registrations.filter(status=Status.CONFIRMED).values_list("pk", flat=True)) == {
        r.pk for r in waitlist
    }
    assert Meeting.objects.get(pk=meeting.pk).seats_taken == 2
