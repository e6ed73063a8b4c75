from django.urls import path

from assembly.notify import views

urlpatterns = [
    path("preferences/<str:token>/", views.preferences, name="notify_preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="notify_unsubscribe"),
]
