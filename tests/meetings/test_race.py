"""Real threads with their own database connections race for the same seats: the count must hold.

Run against the SQLite file the tests use, and against PostgreSQL when DATABASE_URL names it.
"""

import threading
import time
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q

from assembly.meetings import links, services
from assembly.meetings.models import Meeting, Registration
from assembly.notify.models import Message
from tests.conftest import client_for
from tests.factories import AssemblyFactory, UserFactory
from tests.meetings.factories import MeetingFactory

pytestmark = pytest.mark.django_db(transaction=True)

Status = Registration.Status
RACERS = 20
# Members signing up and cancelling over and over on a meeting of five seats.
CHURNERS = 12
CHURN_ROUNDS = 15


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


def _free_seat_while_waiting(meeting_id: int) -> dict | None:
    """Read the meeting's seats and waitlist in one statement, so both come from the same commit."""
    row = (
        Meeting.objects.filter(pk=meeting_id)
        .annotate(
            confirmed=Count("registrations", filter=Q(registrations__status=Status.CONFIRMED)),
            waiting=Count("registrations", filter=Q(registrations__status=Status.WAITLISTED)),
        )
        .values("capacity", "seats_taken", "confirmed", "waiting")
        .get()
    )
    broken = row["waiting"] and row["confirmed"] < row["capacity"]
    return row if broken or row["confirmed"] != row["seats_taken"] else None


def test_churn_of_sign_ups_and_cancellations_never_leaves_a_free_seat_while_someone_waits():
    meeting = MeetingFactory(assembly=AssemblyFactory(), capacity=5)
    members = [UserFactory() for _n in range(CHURNERS)]
    done = threading.Event()
    snapshots: list[dict | None] = []

    def churn(index: int) -> None:
        for _round in range(CHURN_ROUNDS):
            registration = services.registration_create(meeting=Meeting.objects.get(pk=meeting.pk), user=members[index])
            services.registration_cancel(
                registration=Registration.objects.select_related("meeting").get(pk=registration.pk)
            )
        # Everyone ends signed up: more people than seats, so a seat left free now would stay free.
        services.registration_create(meeting=Meeting.objects.get(pk=meeting.pk), user=members[index])

    def watch() -> None:
        try:
            while not done.is_set():
                snapshots.append(_free_seat_while_waiting(meeting.pk))
        finally:
            connection.close()

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        _results, errors = _race(CHURNERS, churn)
    finally:
        done.set()
        watcher.join()
    assert errors == []
    assert len(snapshots) > CHURN_ROUNDS
    assert [row for row in snapshots if row is not None] == []
    assert _free_seat_while_waiting(meeting.pk) is None
    assert _statuses(meeting) == {Status.CONFIRMED: 5, Status.WAITLISTED: CHURNERS - 5}


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


def _waits_for_a_lock(backend_pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [backend_pid])
        return cursor.fetchone() == ("Lock",)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one writer at a time")
def test_cancellation_while_another_promotes_waits_then_promotes_the_next_person():
    meeting = MeetingFactory(assembly=AssemblyFactory(), capacity=2)
    first, second, *waitlist = [services.registration_create(meeting=meeting, user=UserFactory()) for _n in range(4)]
    promoting, finished = threading.Event(), threading.Event()
    other_backend: list[int] = []
    errors: list[BaseException] = []

    def hold_the_promotion() -> None:
        try:
            with transaction.atomic():
                services.registration_cancel(registration=Registration.objects.get(pk=first.pk))
                promoting.set()
                # Commit only once the other cancellation is queued behind this one on the meeting's lock.
                while not finished.is_set() and not (other_backend and _waits_for_a_lock(other_backend[0])):
                    time.sleep(0.01)
        except BaseException as error:
            errors.append(error)
        finally:
            promoting.set()
            connection.close()

    def cancel_meanwhile() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backend_pid = cursor.fetchone()[0]
            promoting.wait()
            other_backend.append(backend_pid)
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
