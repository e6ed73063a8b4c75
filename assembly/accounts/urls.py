from django.urls import path

from assembly.accounts import views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/test/<slug:channel>/", views.channel_test, name="channel_test"),
    path("delete/", views.account_delete, name="account_delete"),
    path("logout-everywhere/", views.logout_everywhere, name="logout_everywhere"),
]
