import logging

from celery import shared_task

from assembly.rotation import services

logger = logging.getLogger(__name__)


@shared_task(name="assembly.rotation.purge")
def purge() -> None:
    absences, answers = services.rotation_purge()
    logger.info("rotation: erased %d absences that are over and %d old refusals", absences, answers)
