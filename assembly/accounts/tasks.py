import logging

from celery import shared_task

from assembly.accounts import services

logger = logging.getLogger(__name__)


@shared_task(name="assembly.accounts.purge_sessions")
def purge_sessions() -> None:
    deleted = services.sessions_purge_expired()
    logger.info("purged %d expired sessions", deleted)
