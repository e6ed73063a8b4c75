"""Who takes each meeting role: a pure function, so its fairness can be tested as a property.

For each role, only willing and eligible people are proposed: not away, registered when the meeting
has sign-ups, trained when the role needs it, speaking both languages of an interpreting pair, and
holding no other role in the meeting. Among them, the person who has served the role the fewest times
goes first, then the one who served it longest ago (never is longest), then the one with the fewest
roles overall. The roles of a meeting are filled together, not one after another: as many as can be,
those listed first when not all can, and then the people who give the fewest turns beyond what is due
across all of them, so a person due for one role is not spent on another that someone else could take.
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
    holder = _match(slots, eligible, past)
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


def _match(slots: Sequence[Slot], eligible: dict[int, list[Person]], past: _History) -> dict[int, int]:
    """Give each role a person: as many roles as can be filled, earlier roles first, then the fairest people.

    Which roles get someone is settled first, in list order: a role is filled when it can be without
    emptying one listed before it (holders move along chains of roles they can also take). Then the
    people for those roles are chosen together, as an assignment problem: the fewest turns beyond what
    is due, counted for the roles of the whole meeting, so nobody serves a role again while someone
    who is due for it could be moved there from another role.
    """
    filled = _fillable(slots, eligible)
    return _fairest(filled, eligible, past)


def _fillable(slots: Sequence[Slot], eligible: dict[int, list[Person]]) -> list[int]:
    """The roles that can be filled together, preferring the ones listed first."""
    holder: dict[int, int] = {}
    role_of: dict[int, int] = {}

    def augment(role_id: int, visited: set[int]) -> bool:
        for person in eligible[role_id]:
            if person.id in visited:
                continue
            visited.add(person.id)
            if person.id not in role_of or augment(role_of[person.id], visited):
                holder[role_id] = person.id
                role_of[person.id] = role_id
                return True
        return False

    # Each role in turn along one augmenting path (Kuhn's method): once filled, a role stays filled,
    # so a later role can never empty an earlier one, and no more roles could be filled at once.
    return [slot.role_id for slot in slots if augment(slot.role_id, set())]


def _fairest(roles: list[int], eligible: dict[int, list[Person]], past: _History) -> dict[int, int]:
    """The minimum-cost assignment of people to these roles, each of which can be filled.

    A person's cost for a role weighs, most to least: how many more times they served it than the
    most due person who could take it (powers of a base above the number of roles, so one extra
    turn outweighs any number of smaller ones: the fewest third turns, then the fewest second turns),
    then their place in the role's queue (longest ago, fewest roles overall), then the list order of
    the roles, so that ties always fall the same way.
    """
    if not roles:
        return {}
    people = sorted({p.id for role_id in roles for p in eligible[role_id]})
    column = {person_id: index for index, person_id in enumerate(people)}
    size = max(len(eligible[role_id]) for role_id in roles) + 1
    base = len(roles) + 1
    costs: list[dict[int, int]] = []
    for position, role_id in enumerate(roles):
        queue = eligible[role_id]
        lowest = past.counts[(queue[0].id, role_id)]
        row = {}
        for rank, person in enumerate(queue):
            excess = past.counts[(person.id, role_id)] - lowest
            tie = rank * size ** (len(roles) - 1 - position)
            row[column[person.id]] = (base**excess * len(roles) * size + rank) * size ** len(roles) + tie
        costs.append(row)
    assigned = _assignment(costs, len(people))
    return {roles[row]: people[col] for row, col in enumerate(assigned)}


def _assignment(costs: list[dict[int, int]], columns: int) -> list[int]:
    """The column for each row that minimises the total cost (Hungarian method, rows <= columns).

    A missing entry is a pair that cannot be: it costs more than any whole assignment of allowed pairs.
    """
    rows = len(costs)
    forbidden = sum(max(row.values()) for row in costs) + 1
    u = [0] * (rows + 1)
    v = [0] * (columns + 1)
    owner = [0] * (columns + 1)  # owner[j]: the row (1-based) holding column j; 0 for none
    way = [0] * (columns + 1)
    for row in range(1, rows + 1):
        owner[0] = row
        j0 = 0
        slack = [None] * (columns + 1)
        used = [False] * (columns + 1)
        while True:
            used[j0] = True
            i0 = owner[j0]
            delta, j1 = None, 0
            for j in range(1, columns + 1):
                if used[j]:
                    continue
                reduced = costs[i0 - 1].get(j - 1, forbidden) - u[i0] - v[j]
                if slack[j] is None or reduced < slack[j]:
                    slack[j] = reduced
                    way[j] = j0
                if delta is None or slack[j] < delta:
                    delta, j1 = slack[j], j
            for j in range(columns + 1):
                if used[j]:
                    u[owner[j]] += delta
                    v[j] -= delta
                else:
                    slack[j] -= delta
            j0 = j1
            if owner[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            owner[j0] = owner[j1]
            j0 = j1
    assigned = [0] * rows
    for j in range(1, columns + 1):
        if owner[j]:
            assigned[owner[j] - 1] = j - 1
    return assigned


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
