"""Numbers typed before phones were parsed become E.164 when the site is upgraded; a number that cannot exist goes."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("accounts", "0001_initial")]
AFTER = [("accounts", "0002_alert_channels_e164_phones")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_old_phones_become_e164_and_impossible_ones_are_dropped(settings):
    settings.PHONE_REGION = "US"
    old_apps = _migrate(BEFORE)
    User = old_apps.get_model("accounts", "User")
    typed = {
        "a@example.org": "(312) 555-0142",
        "b@example.org": "+34 612 345 678",
        "c@example.org": "+1 555 010 0100",
        "d@example.org": "",
    }
    for email, phone in typed.items():
        User.objects.create(email=email, display_name=email[0], phone=phone)

    new_apps = _migrate(AFTER)
    try:
        phones = dict(new_apps.get_model("accounts", "User").objects.values_list("email", "phone"))
        assert phones == {
            "a@example.org": "+13125550142",
            "b@example.org": "+34612345678",
            "c@example.org": "",
            "d@example.org": "",
        }
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
