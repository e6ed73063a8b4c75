import logging

from celery import shared_task

from assembly.rotation import services

logger = logging.getLogger(__name__)


@shared_task(name="assembly.rotation.purge_absences")
def purge_absences() -> None:
    logger.info("rotation: erased %d absences that are over", services.absences_purge())
