"""Who takes each meeting role: a pure function, so its fairness can be tested as a property.

For each role, only willing and eligible people are proposed: not away, registered when the meeting
has sign-ups, trained when the role needs it, speaking both languages of an interpreting pair, and
holding no other role in the meeting. Among them, the person who has served the role the fewest times
goes first, then the one who served it longest ago (never is longest), then the one with the fewest
roles overall. Roles with the fewest eligible people are filled first, so a scarce person is not
spent on a role many others could take.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class Unfilled(StrEnum):
    NO_WILLING = "no_willing"
    EVERYONE_AWAY = "everyone_away"
    NOT_REGISTERED = "not_registered"
    NOT_TRAINED = "not_trained"
    NO_LANGUAGE = "no_language"
    ALL_BUSY = "all_busy"


@dataclass(frozen=True)
class Slot:
    role_id: int
    requires_training: bool = False
    language_pair: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Person:
    id: int
    willing: frozenset[int] = frozenset()
    trained: frozenset[int] = frozenset()
    languages: frozenset[str] = frozenset()
    away: bool = False
    registered: bool = True


@dataclass(frozen=True)
class Service:
    """One role someone held at a past meeting; `when` orders meetings (a date, or a number)."""

    person_id: int
    role_id: int
    when: object


@dataclass(frozen=True)
class Proposal:
    role_id: int
    person_id: int | None
    unfilled: Unfilled | None = None
    shadow_id: int | None = None


@dataclass
class _History:
    counts: Counter = field(default_factory=Counter)
    last: dict = field(default_factory=dict)
    totals: Counter = field(default_factory=Counter)

    @classmethod
    def of(cls, services: Iterable[Service]) -> "_History":
        history = cls()
        for service in services:
            key = (service.person_id, service.role_id)
            history.counts[key] += 1
            if key not in history.last or service.when > history.last[key]:
                history.last[key] = service.when
            history.totals[service.person_id] += 1
        return history

    def order(self, person: Person, role_id: int) -> tuple:
        last = self.last.get((person.id, role_id))
        # Never served sorts before any date: (False, None) < (True, date).
        return (self.counts[(person.id, role_id)], last is not None, last, self.totals[person.id], person.id)


def can_take(person: Person, slot: Slot, *, require_registration: bool) -> bool:
    return (
        slot.role_id in person.willing
        and not person.away
        and (person.registered or not require_registration)
        and (not slot.requires_training or slot.role_id in person.trained)
        and slot.language_pair <= person.languages
    )


def _why_unfilled(slot: Slot, people: Sequence[Person], *, require_registration: bool) -> Unfilled:
    """Name the first rule that left nobody, in the order a coordinator would check them."""
    remaining = [p for p in people if slot.role_id in p.willing]
    steps = [
        (Unfilled.NO_WILLING, lambda p: True),
        (Unfilled.EVERYONE_AWAY, lambda p: not p.away),
        (Unfilled.NOT_REGISTERED, lambda p: p.registered or not require_registration),
        (Unfilled.NOT_TRAINED, lambda p: not slot.requires_training or slot.role_id in p.trained),
        (Unfilled.NO_LANGUAGE, lambda p: slot.language_pair <= p.languages),
    ]
    for reason, keep in steps:
        remaining = [p for p in remaining if keep(p)]
        if not remaining:
            return reason
    return Unfilled.ALL_BUSY


def queue_for(
    slot: Slot, people: Sequence[Person], history: Iterable[Service], *, require_registration: bool = False
) -> list[Person]:
    """Everyone who could take the role, in the order the rotation would ask them."""
    past = _History.of(history)
    eligible = [p for p in people if can_take(p, slot, require_registration=require_registration)]
    return sorted(eligible, key=lambda p: past.order(p, slot.role_id))


def propose(
    slots: Sequence[Slot],
    people: Sequence[Person],
    history: Iterable[Service],
    *,
    require_registration: bool = False,
) -> list[Proposal]:
    """Propose one person (or an unfilled reason) per slot, in the order the slots were given."""
    past = _History.of(history)
    eligible = {
        slot.role_id: sorted(
            (p for p in people if can_take(p, slot, require_registration=require_registration)),
            key=lambda p, role_id=slot.role_id: past.order(p, role_id),
        )
        for slot in slots
    }
    holder = _match(slots, eligible)
    busy = set(holder.values())
    chosen: dict[int, Proposal] = {}
    for slot in slots:
        if slot.role_id in holder:
            chosen[slot.role_id] = Proposal(slot.role_id, holder[slot.role_id])
        else:
            reason = _why_unfilled(slot, people, require_registration=require_registration)
            chosen[slot.role_id] = Proposal(slot.role_id, None, unfilled=reason)
    for slot in slots:
        proposal = chosen[slot.role_id]
        if slot.requires_training and proposal.person_id is not None:
            trainee = _trainee_for(slot, people, busy, past, require_registration=require_registration)
            if trainee is not None:
                busy.add(trainee.id)
                chosen[slot.role_id] = Proposal(slot.role_id, proposal.person_id, shadow_id=trainee.id)
    return [chosen[slot.role_id] for slot in slots]


def _match(slots: Sequence[Slot], eligible: dict[int, list[Person]]) -> dict[int, int]:
    """Give each role a person, fairest first, filling as many roles as can be filled.

    Scarce roles go first. When a role finds everyone busy, people are moved along a chain of
    roles they can also take, if that frees someone for it. When nothing can move, a role earlier
    in the list takes its person from the latest role they hold: the list order is the priority.
    """
    holder: dict[int, int] = {}
    role_of: dict[int, int] = {}

    def give(role_id: int, person_id: int) -> None:
        holder[role_id] = person_id
        role_of[person_id] = role_id

    def reroute(role_id: int, visited: set[int]) -> bool:
        """Find someone for `role_id`, moving holders to other roles they can take if need be."""
        free = next((p for p in eligible[role_id] if p.id not in role_of and p.id not in visited), None)
        if free is not None:
            give(role_id, free.id)
            return True
        for person in eligible[role_id]:
            if person.id in visited or person.id not in role_of:
                continue
            visited.add(person.id)
            if reroute(role_of[person.id], visited):
                give(role_id, person.id)
                return True
        return False

    for slot in sorted(slots, key=lambda s: len(eligible[s.role_id])):
        reroute(slot.role_id, set())
    rank = {slot.role_id: index for index, slot in enumerate(slots)}
    for slot in slots:
        if slot.role_id in holder:
            continue
        later = [p for p in eligible[slot.role_id] if p.id in role_of and rank[role_of[p.id]] > rank[slot.role_id]]
        if later:
            person = max(later, key=lambda p: rank[role_of[p.id]])
            del holder[role_of[person.id]]
            give(slot.role_id, person.id)
    return holder


def _trainee_for(slot: Slot, people, busy: set[int], past: _History, *, require_registration: bool) -> Person | None:
    """A willing, present person not yet trained for the role, to shadow the one who is."""
    untrained = Slot(slot.role_id, requires_training=False, language_pair=slot.language_pair)
    trainees = [
        p
        for p in people
        if p.id not in busy
        and slot.role_id not in p.trained
        and can_take(p, untrained, require_registration=require_registration)
    ]
    return min(trainees, key=lambda p: past.order(p, slot.role_id), default=None)
