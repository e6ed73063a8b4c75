"""A batch of alert messages reads its recipients in one query and renders each kind once per language, putting
each member's own answer link in: every text and email is exactly what rendering the message alone gives."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assembly.accounts.models import User
from assembly.assemblies.messages import membership_recipient, membership_recipients
from assembly.assemblies.models import Membership, Zone
from assembly.defense.models import DefenseRole
from assembly.notify import channels, registry, services
from assembly.notify.models import Message
from tests.defense.alert_helpers import alert_scene, raise_alert
from tests.defense.factories import ClaimFactory
from tests.defense.test_alert_texts import PLACE, SITE_URL, ZONE
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(settings, tmp_path):
    settings.SITE_URL = SITE_URL
    settings.SMS_BACKEND = settings.SIGNAL_BACKEND = "assembly.notify.channels.FileBackend"
    settings.SMS_FILE_PATH, settings.SIGNAL_FILE_PATH = tmp_path / "sms", tmp_path / "signal"
    scene = alert_scene()
    # The longest names a form allows: the texts are squeezed to fit, around links of each language's length.
    Zone.objects.filter(pk=scene.north.pk).update(**ZONE)
    role = DefenseRole.objects.get(plan=scene.plan, zone=scene.north, kind__key="rapid-responder")
    DefenseRole.objects.filter(pk=role.pk).update(needed=20)
    for index in range(8):
        membership = MembershipFactory(
            assembly=scene.assembly,
            user__language="es" if index % 2 else "en",
            user__phone=f"+131255501{10 + index}",
        )
        ClaimFactory(role=role, membership=membership)
    User.objects.update(alerts_by_signal=True)
    return scene


def _render(message: Message):
    """What the outbox would send for a row: (number, text) or the email's parts."""
    if registry.get_kind(message.kind).channel in channels.TEXT_CHANNELS:
        return services.render_text(message)
    email = services.render_email(message)
    return email.subject, email.body, email.alternatives, email.to, email.extra_headers


def test_a_batch_sends_each_alert_message_as_rendered_alone(scene):
    alert = raise_alert(scene, verified=True, **PLACE)
    rows = list(Message.objects.filter(object_id=alert.pk, kind__startswith="alert").order_by("id"))
    assert {row.kind for row in rows} == {"alert", "alert_sms", "alert_signal"}
    assert len(rows) > 20
    alone = [_render(row) for row in rows]

    batch = registry.batch_begin()
    try:
        with CaptureQueriesContext(connection) as prefetch:
            registry.recipients_prefetch(row.recipient_key for row in rows)
        with CaptureQueriesContext(connection) as rendering:
            together = [_render(row) for row in rows]
        shared = {key: value for key, value in registry.batch_cache().items() if key[0] == "rendered"}
    finally:
        registry.batch_end(batch)

    assert together == alone
    assert len(prefetch.captured_queries) == 1
    # The alert, whether it is still on (again every fifth of a second), and nothing per message.
    assert len(rendering.captured_queries) < len(rows) / 4
    # Each kind in each language was rendered once and shared, not found to differ.
    assert {(key[1], key[4]) for key in shared} == {
        (kind, language) for kind in ("alert", "alert_sms", "alert_signal") for language in ("en", "es")
    }
    assert all(shared.values())
    links = {text[1].rsplit(" ", 1)[-1] for text in together if isinstance(text[1], str) and text[0].startswith("+")}
    assert len(links) == len({row.recipient_key for row in rows if row.kind == "alert_sms"})


def test_a_template_that_changes_a_personal_value_renders_every_message_whole():
    kind = registry.get_kind("alert_sms")
    message = Message(kind=kind.name, object_id=1, recipient_key="membership:1")
    urls = [f"https://asamblea.example.org/en/al/1-{index:016d}/" for index in range(3)]

    batch = registry.batch_begin()
    try:
        rendered = [
            services._rendered(kind, message, {"answer_url": url}, lambda context: (context["answer_url"].upper(),))
            for url in urls
        ]
        shared = [value for key, value in registry.batch_cache().items() if key[0] == "rendered"]
    finally:
        registry.batch_end(batch)

    assert rendered == [(url.upper(),) for url in urls]
    assert shared == [False]


def test_members_read_together_are_the_members_read_one_by_one(scene):
    gone = MembershipFactory(assembly=scene.assembly, user__is_active=False)
    pending = MembershipFactory(assembly=scene.assembly, status=Membership.Status.PENDING)
    pks = [scene.verifier.pk, scene.responder.pk, gone.pk, pending.pk, 10**9]

    found = membership_recipients(pks)

    assert found == {pk: membership_recipient(pk) for pk in pks if membership_recipient(pk) is not None}
    assert set(found) == {scene.verifier.pk, scene.responder.pk}
