"""The providers' webhooks: outside the language prefix, since a provider calls one fixed URL."""

from django.urls import path

from assembly.notify import webhooks

urlpatterns = [
    path("twilio/status/", webhooks.twilio_status, name="notify_twilio_status"),
    path("twilio/sms/", webhooks.twilio_sms, name="notify_twilio_sms"),
    path("android/", webhooks.android_gateway, name="notify_android_gateway"),
]
