import logging

from celery import shared_task

from assembly.assemblies import services

logger = logging.getLogger(__name__)


@shared_task(name="assembly.assemblies.purge_expired_invitations")
def purge_expired_invitations() -> None:
    deleted = services.invitation_purge_expired()
    logger.info("purged %d spent or expired invitations", deleted)
