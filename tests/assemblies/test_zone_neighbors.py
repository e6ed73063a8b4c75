"""Coordinators say which zones are next to which: an unverified alert goes to the neighbors' verifiers last."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from tests.conftest import client_for
from tests.factories import AssemblyFactory, ZoneFactory

pytestmark = pytest.mark.django_db


def _edit(assembly, zone, language: str = "en") -> str:
    with translation.override(language):
        return reverse("zone_edit", kwargs={"slug": assembly.slug, "pk": zone.pk})


def test_coordinator_sets_a_zones_neighbors_both_ways(assembly, people):
    north, south, east = (ZoneFactory(assembly=assembly) for _n in range(3))

    response = client_for(people["coordinator"]).post(
        _edit(assembly, north), {"name_en": north.name_en, "neighbors": [south.pk, east.pk]}
    )

    assert response.status_code == 302
    assert set(north.neighbors.all()) == {south, east}
    assert list(south.neighbors.all()) == [north]


def test_neighbors_can_be_taken_away(assembly, people):
    north, south = ZoneFactory(assembly=assembly), ZoneFactory(assembly=assembly)
    north.neighbors.add(south)

    client_for(people["coordinator"]).post(_edit(assembly, north), {"name_en": north.name_en})

    assert not south.neighbors.exists()


def test_a_new_zone_gets_its_neighbors(assembly, people):
    south = ZoneFactory(assembly=assembly)

    client_for(people["coordinator"]).post(
        reverse("zone_create", kwargs={"slug": assembly.slug}), {"name_en": "Block 9", "neighbors": [south.pk]}
    )

    assert [zone.name_en for zone in south.neighbors.all()] == ["Block 9"]


def test_the_form_offers_the_assemblys_other_zones_only(assembly, people):
    north, south = ZoneFactory(assembly=assembly), ZoneFactory(assembly=assembly)
    foreign = ZoneFactory(assembly=AssemblyFactory())

    page = client_for(people["coordinator"]).get(_edit(assembly, north)).content.decode()

    offered = {int(pk) for pk in re.findall(r'name="neighbors" value="(\d+)"', page)}
    assert offered == {south.pk}
    assert foreign.pk not in offered


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("which", ["itself", "another assembly's zone"])
def test_a_zone_that_cannot_be_a_neighbor_is_refused(assembly, people, which, language):
    north = ZoneFactory(assembly=assembly)
    other = north if which == "itself" else ZoneFactory(assembly=AssemblyFactory())

    response = client_for(people["coordinator"]).post(
        _edit(assembly, north, language), {"name_en": north.name_en, "neighbors": [other.pk]}
    )

    assert response.status_code == 200
    words = "Select a valid choice." if language == "en" else "Escoja una opción válida."
    assert words in response.content.decode()
    assert not north.neighbors.exists()


def test_a_member_cannot_set_neighbors(assembly, people):
    north, south = ZoneFactory(assembly=assembly), ZoneFactory(assembly=assembly)

    response = client_for(people["member"]).post(_edit(assembly, north), {"name_en": "x", "neighbors": [south.pk]})

    assert response.status_code == 403
    assert not north.neighbors.exists()
