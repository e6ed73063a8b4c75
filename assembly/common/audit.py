"""Write audit entries: ids only, so the log itself reveals nothing worth seizing."""

from django.db import models

from assembly.common.models import AuditEntry


def audit_record(*, actor, action: str, target: models.Model) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=target.pk,
    )
