"""The messages agendas, minutes and the rotation send, as the SMTP server receives them, in each person's language."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assembly.assemblies.models import Membership
from assembly.meetings import agenda
from assembly.meetings.models import AgendaItem, Meeting, Registration
from assembly.notify.models import Message
from assembly.rotation import services as rotation
from assembly.rotation.models import Assignment, RoleType, Swap, Willingness
from tests.factories import MembershipFactory, UserFactory
from tests.meetings.factories import RegistrationFactory
from tests.notify.helpers import deliver_due, published_meeting


@pytest.fixture
def meeting(transactional_db):
    return published_meeting()


def _member(assembly, language: str, **fields) -> Membership:
    return MembershipFactory(assembly=assembly, user=UserFactory(language=language), **fields)


def _item(meeting: Meeting, **fields) -> AgendaItem:
    defaults = {"title_en": "Rent on Elm Street", "title_es": "Alquileres en la calle Elm", "duration": 30}
    return agenda.agenda_item_create(meeting=meeting, **(defaults | fields))


def test_published_agenda_reaches_each_person_in_their_language(smtp_sink, meeting):
    spanish = RegistrationFactory(meeting=meeting, user=UserFactory(language="es")).user
    english = RegistrationFactory(meeting=meeting, user=UserFactory(language="en")).user
    _item(meeting)

    agenda.agenda_publish(meeting=meeting)
    deliver_due()

    [to_spanish] = smtp_sink.to(spanish.email)
    assert to_spanish.subject.startswith("Orden del día:")
    assert "Alquileres en la calle Elm (30 min)" in to_spanish.text
    [to_english] = smtp_sink.to(english.email)
    assert to_english.subject.startswith("Agenda:")
    assert "Rent on Elm Street (30 min)" in to_english.text


def test_updated_agenda_goes_out_again_only_when_the_facilitator_sends_it(smtp_sink, meeting):
    person = RegistrationFactory(meeting=meeting).user
    item = _item(meeting)
    agenda.agenda_publish(meeting=meeting)
    deliver_due()

    agenda.agenda_item_update(item=item, title_en="Rent, and the landlord's letter", duration=40)
    deliver_due()
    assert len(smtp_sink.to(person.email)) == 1

    agenda.agenda_announce_update(meeting=meeting)
    deliver_due()
    _first, update = smtp_sink.to(person.email)
    assert update.subject.startswith("Updated agenda:")
    assert "Rent, and the landlord's letter (40 min)" in update.text


def test_minutes_go_to_the_people_who_had_a_seat_with_decisions_in_their_language(smtp_sink, meeting):
    seated = RegistrationFactory(meeting=meeting, user=UserFactory(language="es")).user
    waitlisted = RegistrationFactory(meeting=meeting, status="waitlisted").user
    item = _item(meeting)
    agenda.minutes_save(
        meeting=meeting,
        attendance=12,
        items={item.pk: {"decisions_en": "We write to the landlord.", "decisions_es": "Escribimos al propietario."}},
    )
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    meeting.refresh_from_db()

    agenda.minutes_publish(meeting=meeting)
    deliver_due()

    [minutes] = smtp_sink.to(seated.email)
    assert minutes.subject.startswith("Acta:")
    assert "Acuerdos: Escribimos al propietario." in minutes.text
    assert "Asistieron 12 personas." in minutes.text
    assert smtp_sink.to(waitlisted.email) == []


def test_proposer_hears_the_decision_in_their_language(smtp_sink, meeting):
    proposer = _member(meeting.assembly, "es").user
    Meeting.objects.filter(pk=meeting.pk).update(proposals_until=timezone.now() + timedelta(days=1))
    meeting.refresh_from_db()
    proposal = agenda.agenda_proposal_create(
        meeting=meeting, user=proposer, title_es="Cruce de la escuela", duration=10
    )

    agenda.agenda_proposal_decide(item=proposal, accept=True)
    deliver_due()

    [answer] = smtp_sink.to(proposer.email)
    assert answer.subject == "Tu propuesta está en el orden del día: Cruce de la escuela"


def test_asked_member_gets_the_role_in_their_language_with_a_link_to_answer(smtp_sink, meeting):
    membership = _member(meeting.assembly, "es")
    notes = RoleType.objects.get(assembly=meeting.assembly, key="note-taker")
    Willingness.objects.create(membership=membership, role_type=notes)

    rotation.roles_confirm(meeting=meeting)
    deliver_due()

    [asked] = smtp_sink.to(membership.user.email)
    assert asked.subject.startswith("¿Te encargas de Toma de actas en ")
    assert f"/es/a/{meeting.assembly.slug}/m/{meeting.pk}/roles/" in asked.text
    assert Assignment.objects.get(membership=membership).status == Assignment.Status.ASKED


def test_swap_is_asked_and_answered_in_each_persons_language(smtp_sink, meeting):
    asker = _member(meeting.assembly, "en")
    other = _member(meeting.assembly, "es")
    notes = RoleType.objects.get(assembly=meeting.assembly, key="note-taker")
    time = RoleType.objects.get(assembly=meeting.assembly, key="timekeeper")
    for membership in (asker, other):
        for role in (notes, time):
            Willingness.objects.create(membership=membership, role_type=role)
    rotation.roles_confirm(meeting=meeting)
    mine = Assignment.objects.get(membership=asker)
    theirs = Assignment.objects.get(membership=other)
    deliver_due()

    swap = rotation.swap_request(offered=mine, wanted=theirs, user=asker.user)
    deliver_due()
    request = smtp_sink.to(other.user.email)[-1]
    assert request.subject.startswith("Un pedido de intercambio de roles en ")

    rotation.swap_answer(swap=Swap.objects.get(pk=swap.pk), user=other.user, accept=True)
    deliver_due()
    answer = smtp_sink.to(asker.user.email)[-1]
    assert answer.subject.startswith("Roles swapped for ")
    assert Message.objects.filter(kind="role_swap_answered", state=Message.State.SENT).count() == 1


def test_released_member_hears_it_in_their_language(smtp_sink, meeting):
    notes = RoleType.objects.get(assembly=meeting.assembly, key="note-taker")
    first, second = _member(meeting.assembly, "es"), _member(meeting.assembly, "en")
    for membership in (first, second):
        Willingness.objects.create(membership=membership, role_type=notes)
    rotation.roles_confirm(meeting=meeting)
    asked = Assignment.objects.get(status=Assignment.Status.ASKED, role_type=notes)
    replacement = second if asked.membership_id == first.pk else first

    rotation.assignment_change(assignment=asked, membership=replacement)
    deliver_due()

    released = smtp_sink.to(asked.membership.user.email)[-1]
    expected = (
        "Ya no te encargas de Toma de actas" if asked.membership_id == first.pk else "You are no longer Note-taker"
    )
    assert released.subject.startswith(expected)


def test_person_who_cancelled_before_the_agenda_went_out_does_not_get_it(smtp_sink, meeting):
    registration = RegistrationFactory(meeting=meeting)
    _item(meeting)
    agenda.agenda_publish(meeting=meeting)
    Registration.objects.filter(pk=registration.pk).update(status=Registration.Status.CANCELLED)

    deliver_due()

    assert smtp_sink.to(registration.user.email) == []
