"""The rotation's rules, and its fairness as properties over generated assemblies and meeting series."""

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from assembly.rotation.algorithm import Person, Proposal, Service, Slot, Unfilled, propose

FACILITATOR, NOTES, TIME, INTERPRETER = 1, 2, 3, 4


def test_propose_prefers_who_served_the_role_least():
    people = [Person(1, willing=frozenset({NOTES})), Person(2, willing=frozenset({NOTES}))]
    history = [Service(1, NOTES, 1)]
    assert propose([Slot(NOTES)], people, history) == [Proposal(NOTES, 2)]


def test_propose_breaks_ties_by_who_served_longest_ago():
    people = [Person(1, willing=frozenset({NOTES})), Person(2, willing=frozenset({NOTES}))]
    history = [Service(1, NOTES, 1), Service(2, NOTES, 5)]
    assert propose([Slot(NOTES)], people, history) == [Proposal(NOTES, 1)]


def test_propose_then_by_fewest_roles_overall():
    people = [Person(1, willing=frozenset({NOTES})), Person(2, willing=frozenset({NOTES}))]
    history = [Service(1, TIME, 1), Service(1, FACILITATOR, 2)]
    assert propose([Slot(NOTES)], people, history) == [Proposal(NOTES, 2)]


def test_propose_gives_nobody_two_roles():
    person = Person(1, willing=frozenset({NOTES, TIME}))
    proposals = propose([Slot(NOTES), Slot(TIME)], [person], [])
    assert [p.person_id for p in proposals].count(1) == 1
    assert Unfilled.ALL_BUSY in [p.unfilled for p in proposals]


def test_propose_fills_the_scarce_role_first():
    # Only 1 can interpret; 2 can take notes too, so 1 must not be spent on notes.
    people = [
        Person(1, willing=frozenset({NOTES, INTERPRETER}), languages=frozenset({"en", "es"})),
        Person(2, willing=frozenset({NOTES})),
    ]
    slots = [Slot(NOTES), Slot(INTERPRETER, language_pair=frozenset({"en", "es"}))]
    assert propose(slots, people, []) == [Proposal(NOTES, 2), Proposal(INTERPRETER, 1)]


def test_propose_moves_a_holder_along_a_chain_to_fill_one_more_role():
    # 1 could take notes or time, 2 only notes: whatever the order, both roles get someone.
    people = [Person(1, willing=frozenset({NOTES, TIME})), Person(2, willing=frozenset({NOTES}))]
    history = [Service(2, NOTES, 1)]
    assert propose([Slot(NOTES), Slot(TIME)], people, history) == [Proposal(NOTES, 2), Proposal(TIME, 1)]


def test_propose_moves_a_member_due_for_a_role_away_from_one_another_can_take():
    # 1 and 3 facilitate equally often (1 longer ago); only 1 has never kept time, so 3 facilitates.
    people = [
        Person(1, willing=frozenset({FACILITATOR, TIME}), trained=frozenset({FACILITATOR})),
        Person(2, willing=frozenset({TIME})),
        Person(3, willing=frozenset({FACILITATOR, TIME}), trained=frozenset({FACILITATOR})),
    ]
    history = [Service(1, FACILITATOR, 1), Service(3, FACILITATOR, 2), Service(2, TIME, 1), Service(3, TIME, 2)]
    slots = [Slot(FACILITATOR, requires_training=True), Slot(TIME)]
    assert propose(slots, people, history) == [Proposal(FACILITATOR, 3), Proposal(TIME, 1)]


def test_propose_spares_the_largest_extra_turn_first():
    # Turns beyond the least-served eligible member count largest first: two people two turns ahead
    # (2 at notes, 3 at the stack) beat one person three turns ahead (2 at the stack).
    stack = 5
    people = [
        Person(1, willing=frozenset({NOTES, TIME, stack})),
        Person(2, willing=frozenset({NOTES, stack})),
        Person(3, willing=frozenset({NOTES, TIME, stack})),
    ]
    turns = {(1, NOTES): 2, (2, NOTES): 3, (3, NOTES): 1, (3, TIME): 3, (2, stack): 3, (3, stack): 2}
    history = [Service(person, role, when) for (person, role), count in turns.items() for when in range(count)]
    assert propose([Slot(NOTES), Slot(TIME), Slot(stack)], people, history) == [
        Proposal(NOTES, 2),
        Proposal(TIME, 1),
        Proposal(stack, 3),
    ]


def test_propose_fills_an_earlier_role_through_a_chain_of_moves():
    # Three roles, two people: the first two listed are filled, even if that moves 2 off TIME.
    people = [
        Person(1, willing=frozenset({FACILITATOR, NOTES}), trained=frozenset({FACILITATOR})),
        Person(2, willing=frozenset({NOTES, TIME})),
    ]
    slots = [Slot(FACILITATOR, requires_training=True), Slot(NOTES), Slot(TIME)]
    assert propose(slots, people, []) == [
        Proposal(FACILITATOR, 1),
        Proposal(NOTES, 2),
        Proposal(TIME, None, unfilled=Unfilled.ALL_BUSY),
    ]


def test_propose_gives_an_earlier_role_priority_when_not_all_can_be_filled():
    # One person for two roles: the role listed first gets them, and the other says why it is empty.
    person = Person(1, willing=frozenset({FACILITATOR, TIME}), trained=frozenset({FACILITATOR}))
    proposals = propose([Slot(FACILITATOR, requires_training=True), Slot(TIME)], [person], [])
    assert proposals == [Proposal(FACILITATOR, 1), Proposal(TIME, None, unfilled=Unfilled.ALL_BUSY)]


def test_propose_names_why_a_role_is_unfilled():
    interpreting = Slot(INTERPRETER, language_pair=frozenset({"en", "es"}))
    trained_only = Slot(FACILITATOR, requires_training=True)
    assert propose([Slot(NOTES)], [Person(1)], [])[0].unfilled == Unfilled.NO_WILLING
    away = Person(1, willing=frozenset({NOTES}), away=True)
    assert propose([Slot(NOTES)], [away], [])[0].unfilled == Unfilled.EVERYONE_AWAY
    absent = Person(1, willing=frozenset({NOTES}), registered=False)
    assert propose([Slot(NOTES)], [absent], [], require_registration=True)[0].unfilled == Unfilled.NOT_REGISTERED
    untrained = Person(1, willing=frozenset({FACILITATOR}))
    assert propose([trained_only], [untrained], [])[0].unfilled == Unfilled.NOT_TRAINED
    monolingual = Person(1, willing=frozenset({INTERPRETER}), languages=frozenset({"en"}))
    assert propose([interpreting], [monolingual], [])[0].unfilled == Unfilled.NO_LANGUAGE


def test_propose_pairs_a_trainee_to_shadow_the_trained():
    people = [
        Person(1, willing=frozenset({FACILITATOR}), trained=frozenset({FACILITATOR})),
        Person(2, willing=frozenset({FACILITATOR})),
    ]
    assert propose([Slot(FACILITATOR, requires_training=True)], people, []) == [Proposal(FACILITATOR, 1, shadow_id=2)]


# Properties over generated assemblies and series of meetings.

ROLES = [FACILITATOR, NOTES, TIME, INTERPRETER]
LANGUAGES = ["en", "es", "fr"]

people_strategy = st.lists(
    st.builds(
        lambda willing, trained, languages, registered: dict(
            willing=frozenset(willing),
            trained=frozenset(trained),
            languages=frozenset(languages),
            registered=registered,
        ),
        st.sets(st.sampled_from(ROLES)),
        st.sets(st.sampled_from(ROLES)),
        st.sets(st.sampled_from(LANGUAGES), min_size=1),
        st.booleans(),
    ),
    min_size=1,
    max_size=8,
)
slot_strategy = st.builds(
    lambda role, training, pair: Slot(role, requires_training=training, language_pair=frozenset(pair)),
    st.sampled_from(ROLES),
    st.booleans(),
    st.one_of(st.just(()), st.tuples(st.sampled_from(LANGUAGES), st.sampled_from(LANGUAGES))),
)


@st.composite
def series(draw):
    """An assembly's members and a series of meetings, each with its roles, absences and sign-ups."""
    members = draw(people_strategy)
    meetings = []
    for _ in range(draw(st.integers(1, 12))):
        slots = draw(st.lists(slot_strategy, min_size=1, max_size=4, unique_by=lambda s: s.role_id))
        away = draw(st.lists(st.booleans(), min_size=len(members), max_size=len(members)))
        signups = draw(st.booleans())
        meetings.append((slots, away, signups))
    return members, meetings


def _run(members, meetings):
    """Propose for each meeting in turn, the history growing as a facilitator confirms each proposal."""
    history: list[Service] = []
    for when, (slots, away, signups) in enumerate(meetings):
        people = [Person(i, away=away[i], **member) for i, member in enumerate(members)]
        proposals = propose(slots, people, list(history), require_registration=signups)
        yield when, slots, people, signups, proposals, list(history)
        history += [Service(p.person_id, p.role_id, when) for p in proposals if p.person_id is not None]


def _eligible(person: Person, slot: Slot, signups: bool) -> bool:
    return (
        slot.role_id in person.willing
        and not person.away
        and (person.registered or not signups)
        and (not slot.requires_training or slot.role_id in person.trained)
        and slot.language_pair <= person.languages
    )


@settings(max_examples=300, deadline=None)
@given(series())
def test_no_proposal_breaks_an_eligibility_rule(data):
    for _when, slots, people, signups, proposals, _history in _run(*data):
        by_id = {p.id: p for p in people}
        holders = [p.person_id for p in proposals if p.person_id is not None]
        shadows = [p.shadow_id for p in proposals if p.shadow_id is not None]
        assert len(holders + shadows) == len(set(holders + shadows)), "someone holds two roles"
        for slot, proposal in zip(slots, proposals, strict=True):
            assert proposal.role_id == slot.role_id
            if proposal.person_id is None:
                assert proposal.unfilled is not None, "an empty role must say why"
                assert not any(_eligible(p, slot, signups) and p.id not in holders + shadows for p in people), (
                    "a role was left unfilled while someone eligible was free"
                )
            else:
                assert _eligible(by_id[proposal.person_id], slot, signups)
            if proposal.shadow_id is not None:
                trainee = by_id[proposal.shadow_id]
                assert slot.role_id in trainee.willing and not trainee.away


@settings(max_examples=300, deadline=None)
@given(series())
def test_nobody_serves_a_role_twice_before_every_eligible_member_served_once(data):
    for _when, slots, people, signups, proposals, history in _run(*data):
        served = Counter((s.person_id, s.role_id) for s in history)
        taken = {p.person_id for p in proposals} | {p.shadow_id for p in proposals}
        for slot, proposal in zip(slots, proposals, strict=True):
            if proposal.person_id is None or served[(proposal.person_id, slot.role_id)] == 0:
                continue
            # A second turn: everyone eligible and free at this meeting has had a first.
            for person in people:
                free = person.id not in taken or person.id == proposal.person_id
                if _eligible(person, slot, signups) and free:
                    assert served[(person.id, slot.role_id)] >= 1, (slot, proposal, person)


@settings(max_examples=300, deadline=None)
@given(series())
def test_counts_differ_by_at_most_one_among_members_eligible_throughout(data):
    members, meetings = data
    runs = list(_run(members, meetings))
    for role in ROLES:
        steady = None
        for _when, slots, people, signups, proposals, _history in runs:
            slot = next((s for s in slots if s.role_id == role), None)
            if slot is None:
                continue
            other = {p.person_id for p in proposals if p.role_id != role} | {p.shadow_id for p in proposals}
            here = {p.id for p in people if _eligible(p, slot, signups) and p.id not in other}
            steady = here if steady is None else steady & here
        if not steady:
            continue
        counts = Counter()
        for _when, _slots, _people, _signups, proposals, _history in runs:
            counts.update(p.person_id for p in proposals if p.role_id == role and p.person_id in steady)
        values = [counts[person] for person in steady]
        assert max(values) - min(values) <= 1, (role, dict(counts))


def _extra_turns(slots, people, signups, history, holders: dict[int, int]) -> tuple:
    """How a way of filling a meeting ranks: more roles, then earlier ones, then the fewest extra turns.

    An extra turn is one more time at a role than the least-served member eligible for it has had;
    they are compared largest first, so one third turn weighs more than any number of second turns.
    """
    served = Counter((s.person_id, s.role_id) for s in history)
    excess = []
    for slot in slots:
        if slot.role_id in holders:
            lowest = min(served[(p.id, slot.role_id)] for p in people if _eligible(p, slot, signups))
            excess.append(served[(holders[slot.role_id], slot.role_id)] - lowest)
    filled = tuple(slot.role_id not in holders for slot in slots)
    return (-len(holders), filled, tuple(sorted(excess, reverse=True)))


def _every_way(slots, people, signups):
    """Every way to give each role an eligible member, or nobody, with nobody in two roles."""
    if not slots:
        yield {}
        return
    first, rest = slots[0], slots[1:]
    for ways in _every_way(rest, people, signups):
        yield ways
        for person in people:
            if _eligible(person, first, signups) and person.id not in ways.values():
                yield {**ways, first.role_id: person.id}


@settings(max_examples=300, deadline=None)
@given(series())
def test_no_other_way_to_fill_a_meeting_is_fairer_across_its_roles(data):
    # Fair for the whole meeting, not role by role: nobody takes a role again while someone due for it
    # holds another role that someone else could take as fairly.
    for _when, slots, people, signups, proposals, history in _run(*data):
        chosen = {p.role_id: p.person_id for p in proposals if p.person_id is not None}
        best = min(_extra_turns(slots, people, signups, history, ways) for ways in _every_way(slots, people, signups))
        assert _extra_turns(slots, people, signups, history, chosen) == best, (slots, people, history, proposals)
