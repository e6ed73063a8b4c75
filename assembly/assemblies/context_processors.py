from django.http import HttpRequest

from assembly.assemblies.models import Membership
from assembly.common.cache import redis_unreachable

_ORGANIZERS = [Membership.Role.FACILITATOR, Membership.Role.COORDINATOR]


def redis_down_banner(request: HttpRequest) -> dict:
    """Tell organizers that the site runs without Redis: log-ins are refused and messages wait for it.

    Read from this process's memory of its last Redis error (every logged-in request asks Redis for its
    session first), so the check costs Redis nothing, and the database one query only while Redis is down.
    """
    if not redis_unreachable() or not request.user.is_authenticated:
        return {}
    organizer = Membership.objects.filter(
        user=request.user, status=Membership.Status.ACTIVE, role__in=_ORGANIZERS
    ).exists()
    return {"redis_down_banner": organizer}
