"""Celery task of the security log: the daily purge of entries past their retention.

``config/celery.py`` makes the worker discover this module; the beat entry is
``security-log-purge`` in ``CELERY_BEAT_SCHEDULE``.
"""

from celery import shared_task

from crm.security import security_log_purge as purge


@shared_task(name="crm.security_tasks.security_log_purge", acks_late=True, ignore_result=True)
def security_log_purge() -> int:
    """Delete what is older than the retention period; running it twice deletes nothing more."""
    return purge()
