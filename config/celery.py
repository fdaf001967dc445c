"""The Celery application: configured from Django settings (``CELERY_*``), tasks autodiscovered.

Start a worker and the beat (see docs/deploy/ for systemd units)::

    .venv/bin/celery -A config worker --loglevel=INFO
    .venv/bin/celery -A config beat --loglevel=INFO

With no ``REDIS_URL`` the broker is kombu's filesystem transport under ``var/celery/``: worker,
beat and web server must then run on the same machine. With Redis, add workers on any machine
that reaches Redis and the database.
"""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The reminder engine is a package inside ``crm``, not an app: its tasks module is named here.
app.autodiscover_tasks(["crm.notifications"])
app.autodiscover_tasks(["crm"], related_name="security_tasks")
app.autodiscover_tasks(["crm"], related_name="snapshots")


def _prepare_filesystem_broker() -> None:
    """The filesystem transport needs its folders to exist before anything is enqueued."""
    from django.conf import settings

    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        return
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
    Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).parent.mkdir(parents=True, exist_ok=True)


@app.on_after_configure.connect
def _on_after_configure(sender: Celery, **kwargs) -> None:
    _prepare_filesystem_broker()
