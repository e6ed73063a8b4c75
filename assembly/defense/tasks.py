import logging

from celery import shared_task

from assembly.defense import alerts, shifts

logger = logging.getLogger(__name__)


@shared_task(name="assembly.defense.expire_alerts")
def expire_alerts() -> None:
    expired = alerts.alerts_expire()
    if expired:
        logger.info("defense: %d alerts expired and their details were erased", expired)


@shared_task(name="assembly.defense.escalate_alerts")
def escalate_alerts() -> None:
    stepped = alerts.alerts_escalate()
    if stepped:
        logger.info("defense: %d unverified alerts went up a step", stepped)


@shared_task(name="assembly.defense.purge_shifts")
def purge_shifts() -> None:
    purged = shifts.shifts_purge()
    if purged:
        logger.info("defense: %d ended dispatch shifts deleted", purged)
