from django.db import models
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    """One message to one person, for one reason, exactly once: the database row is the truth.

    Nothing of the message's text is stored: it is rendered at send time, in the recipient's language.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        # The provider says it reached the phone (a delivery status callback); only providers that tell.
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=64)
    recipient_key = models.CharField(max_length=64)
    object_id = models.PositiveBigIntegerField()
    occasion = models.CharField(max_length=64, blank=True, default="")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    due_at = models.DateTimeField()
    queued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # A claim holds only while its worker renews it: the sweep gives back a row whose lease ran out.
    lease_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The provider's id for a text message (Twilio's SID), so its delivery status callback finds the row.
    provider_ref = models.CharField(max_length=64, blank=True, default="", db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recipient_key", "kind", "object_id", "occasion"], name="one_message_per_occasion"
            )
        ]
        indexes = [
            models.Index(fields=["state", "due_at"], name="notify_due"),
            models.Index(fields=["kind", "object_id"], name="notify_object"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}#{self.pk} to {self.recipient_key}"


class OptOut(models.Model):
    """A person does not want one optional kind of message."""

    preference_key = models.CharField(max_length=64)
    kind = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["preference_key", "kind"], name="one_opt_out_per_kind")]

    def __str__(self) -> str:
        return f"{self.preference_key} opts out of {self.kind}"
