from django.http import HttpRequest

from assembly.assemblies.models import Membership
from assembly.common.cache import redis_unreachable_lately

_ORGANIZERS = [Membership.Role.FACILITATOR, Membership.Role.COORDINATOR]


def redis_down_banner(request: HttpRequest) -> dict:
    """Tell organizers that the site runs without Redis: log-ins are refused and messages wait for it.

    Redis is asked at most every few seconds per process, and the database one query only while Redis is down.
    """
    # An error page may be rendered for a request the authentication middleware never saw.
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not redis_unreachable_lately():
        return {}
    organizer = Membership.objects.filter(user=user, status=Membership.Status.ACTIVE, role__in=_ORGANIZERS).exists()
    return {"redis_down_banner": organizer}
