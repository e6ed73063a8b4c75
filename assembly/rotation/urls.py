from django.urls import path

from assembly.rotation import views

urlpatterns = [
    path("a/<slug:slug>/rotation/", views.rotation_overview, name="rotation_overview"),
    path("a/<slug:slug>/rotation/roles/", views.role_type_list, name="role_type_list"),
    path("a/<slug:slug>/rotation/roles/new/", views.role_type_create, name="role_type_create"),
    path("a/<slug:slug>/rotation/roles/<int:role_pk>/", views.role_type_edit, name="role_type_edit"),
    path("a/<slug:slug>/rotation/roles/<int:role_pk>/move/", views.role_type_move, name="role_type_move"),
    path("a/<slug:slug>/rotation/me/", views.my_rotation, name="my_rotation"),
    path("a/<slug:slug>/rotation/me/away/", views.absence_add, name="absence_add"),
    path("a/<slug:slug>/rotation/me/away/<int:absence_pk>/delete/", views.absence_delete, name="absence_delete"),
    path("a/<slug:slug>/m/<int:pk>/roles/", views.meeting_roles, name="meeting_roles"),
    path("a/<slug:slug>/m/<int:pk>/roles/propose/", views.roles_propose, name="roles_propose"),
    path("a/<slug:slug>/m/<int:pk>/roles/confirm/", views.roles_confirm, name="roles_confirm"),
    path(
        "a/<slug:slug>/m/<int:pk>/roles/<int:assignment_pk>/change/", views.assignment_change, name="assignment_change"
    ),
    path(
        "a/<slug:slug>/m/<int:pk>/roles/<int:assignment_pk>/answer/", views.assignment_answer, name="assignment_answer"
    ),
    path("a/<slug:slug>/m/<int:pk>/roles/<int:assignment_pk>/swap/", views.swap_request, name="swap_request"),
    path("a/<slug:slug>/m/<int:pk>/swaps/<int:swap_pk>/answer/", views.swap_answer, name="swap_answer"),
]
