import pytest
from django.core.cache import cache
from django.test import Client

from assembly.assemblies.models import Membership
from tests.factories import AssemblyFactory, MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    """Rate limits and sessions live in Redis: start every test with an empty test database there."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def assembly(db):
    return AssemblyFactory()


@pytest.fixture
def people(assembly):
    """One person for each place in the permission matrix of `assembly`."""
    return {
        "anonymous": None,
        "stranger": UserFactory(),
        "pending": MembershipFactory(assembly=assembly, status=Membership.Status.PENDING).user,
        "member": MembershipFactory(assembly=assembly).user,
        "facilitator": MembershipFactory(assembly=assembly, role=Membership.Role.FACILITATOR).user,
        "coordinator": MembershipFactory(assembly=assembly, role=Membership.Role.COORDINATOR).user,
    }


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
