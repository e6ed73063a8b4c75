from django.urls import path

from assembly.assemblies import views

urlpatterns = [
    path("", views.home, name="home"),
    path("assemblies/new/", views.assembly_create, name="assembly_create"),
    path("a/<slug:slug>/", views.assembly_detail, name="assembly_detail"),
    path("a/<slug:slug>/edit/", views.assembly_edit, name="assembly_edit"),
    path("a/<slug:slug>/join/", views.assembly_join, name="assembly_join"),
    path("a/<slug:slug>/leave/", views.assembly_leave, name="assembly_leave"),
    path("a/<slug:slug>/members/", views.member_list, name="member_list"),
    path("a/<slug:slug>/members/<int:pk>/approve/", views.membership_approve, name="membership_approve"),
    path("a/<slug:slug>/members/<int:pk>/role/", views.membership_role, name="membership_role"),
    path("a/<slug:slug>/members/<int:pk>/remove/", views.membership_remove, name="membership_remove"),
    path("a/<slug:slug>/messages/failed/", views.failed_messages, name="failed_messages"),
    path("a/<slug:slug>/messages/failed/resend/", views.failed_messages_resend_all, name="failed_messages_resend_all"),
    path("a/<slug:slug>/messages/failed/<int:pk>/resend/", views.failed_message_resend, name="failed_message_resend"),
    path("a/<slug:slug>/invitations/new/", views.invitation_create, name="invitation_create"),
    path("a/<slug:slug>/zones/new/", views.zone_create, name="zone_create"),
    path("a/<slug:slug>/zones/<int:pk>/edit/", views.zone_edit, name="zone_edit"),
    path("a/<slug:slug>/zones/<int:pk>/delete/", views.zone_delete, name="zone_delete"),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
