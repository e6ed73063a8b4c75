from django.urls import path

from assembly.meetings import views

urlpatterns = [
    path("a/<slug:slug>/meetings/", views.meeting_list, name="meeting_list"),
    path("a/<slug:slug>/meetings/new/", views.meeting_create, name="meeting_create"),
    path("a/<slug:slug>/calendar.ics", views.assembly_calendar, name="assembly_calendar"),
    path("a/<slug:slug>/m/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("a/<slug:slug>/m/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("a/<slug:slug>/m/<int:pk>/publish/", views.meeting_publish, name="meeting_publish"),
    path("a/<slug:slug>/m/<int:pk>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("a/<slug:slug>/m/<int:pk>/register/", views.meeting_register, name="meeting_register"),
    path("a/<slug:slug>/m/<int:pk>/guest/", views.meeting_guest_register, name="meeting_guest_register"),
    path("a/<slug:slug>/m/<int:pk>/guest/sent/", views.meeting_guest_sent, name="meeting_guest_sent"),
    path("a/<slug:slug>/m/<int:pk>/unregister/", views.meeting_unregister, name="meeting_unregister"),
    path("a/<slug:slug>/m/<int:pk>/attendees/", views.meeting_attendees, name="meeting_attendees"),
    path("a/<slug:slug>/m/<int:pk>/attendees.csv", views.meeting_attendees_csv, name="meeting_attendees_csv"),
    path("a/<slug:slug>/m/<int:pk>/meeting.ics", views.meeting_ics, name="meeting_ics"),
    path("r/confirm/<str:token>/", views.registration_confirm, name="registration_confirm"),
    path("r/cancel/<str:token>/", views.registration_cancel_link, name="registration_cancel_link"),
    path("meetings/mine/", views.my_meetings, name="my_meetings"),
    path("meetings/calendar/", views.calendar_settings, name="calendar_settings"),
    path("meetings/calendar/reset/", views.calendar_reset, name="calendar_reset"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
