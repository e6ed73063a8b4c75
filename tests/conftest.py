import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from assembly.assemblies.models import Membership
from tests.factories import AssemblyFactory, MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def _test_defaults(settings):
    """Fast password hashing, and an empty Redis test database: rate limits and sessions live there."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A request leaves its language active in the thread; reverse() would follow it.
    translation.activate(settings.LANGUAGE_CODE)
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


@pytest.fixture
def celery_worker(transactional_db):
    """A real worker process on the test Redis and the test database."""
    from tests.workers import start_worker, stop_worker

    process = start_worker()
    yield process
    stop_worker(process)
