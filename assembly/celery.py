"""The Celery app: Redis carries the work, the database holds the truth."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assembly.settings")

app = Celery("assembly")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
