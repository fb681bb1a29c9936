from celery import shared_task


@shared_task(acks_late=True)
def relay_outbox() -> dict[str, int]:
    """Deliver what is due in the outbox (on the beat schedule; several may run at once)."""
    from .outbox import outbox_relay

    return outbox_relay().as_dict()
