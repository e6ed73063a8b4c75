import logging

from celery import shared_task

from assembly.meetings import services

logger = logging.getLogger(__name__)


@shared_task(name="assembly.meetings.purge")
def purge() -> None:
    addresses, guests = services.meetings_purge()
    logger.info("meetings: erased %d old addresses and %d guests' details", addresses, guests)
