import logging

from celery import shared_task

from assembly.notify import channels, services

logger = logging.getLogger(__name__)


@shared_task(name="assembly.notify.sweep")
def sweep() -> None:
    queued = services.outbox_sweep()
    if queued:
        logger.info("outbox: queued %d due messages", queued)


@shared_task(name="assembly.notify.sweep_alerts")
def sweep_alerts() -> None:
    queued = services.outbox_sweep_alerts()
    if queued:
        logger.info("outbox: queued %d alert messages", queued)


@shared_task(name="assembly.notify.send_batch")
def send_batch(*, message_ids: list[int]) -> None:
    sent = services.outbox_send_batch(message_ids=message_ids)
    logger.info("outbox: sent %d of %d messages", sent, len(message_ids))


@shared_task(name="assembly.notify.purge")
def purge() -> None:
    logger.info("outbox: purged %d old messages", services.outbox_purge())


@shared_task(name="assembly.notify.signal_receive")
def signal_receive() -> None:
    """Answer what people sent our Signal number since the last run; the beat runs it every few seconds."""
    from assembly.notify.providers.signal import signal_receive as receive

    try:
        handled = receive()
    except channels.SendError as error:
        logger.warning("signal: %s", error)
        return
    if handled:
        logger.info("signal: answered %d messages", handled)
