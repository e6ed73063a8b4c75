from datetime import UTC, datetime, time

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from assembly.assemblies.models import Membership
from tests.factories import AssemblyFactory, MembershipFactory, UserFactory

# Tests marked `clock` depend on the date. Besides the real clock, each runs at these times (UTC) of today:
# just after midnight UTC while it is still yesterday in the Americas, just before midnight in Chicago,
# and late in the UTC day. A test that takes "today" in one zone and the code in another fails here.
SHIFTED_CLOCKS = {"utc-00h30": time(0, 30), "chicago-23h45": time(5, 45), "utc-23h30": time(23, 30)}


def pytest_generate_tests(metafunc):
    if metafunc.definition.get_closest_marker("clock"):
        metafunc.parametrize("shifted_clock", ["real", *SHIFTED_CLOCKS], indirect=True)


@pytest.fixture(autouse=True)
def shifted_clock(request):
    """Run a `clock` test at a shifted time of day; the clock keeps ticking from there."""
    name = getattr(request, "param", "real")
    if name == "real":
        yield None
        return
    moment = datetime.combine(datetime.now(UTC).date(), SHIFTED_CLOCKS[name], tzinfo=UTC)
    with time_machine.travel(moment, tick=True):
        yield moment


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
