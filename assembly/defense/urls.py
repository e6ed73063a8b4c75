from django.urls import path

from assembly.defense import alert_views, report_views, shift_views, views

urlpatterns = [
    path("a/<slug:slug>/plans/", views.plan_list, name="plan_list"),
    path("a/<slug:slug>/plans/new/", views.plan_create, name="plan_create"),
    path("a/<slug:slug>/plans/kinds/", views.role_kinds, name="role_kinds"),
    path("a/<slug:slug>/plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("a/<slug:slug>/plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("a/<slug:slug>/plans/<int:pk>/status/", views.plan_status, name="plan_status"),
    path("a/<slug:slug>/plans/<int:pk>/roles/", views.plan_roles, name="plan_roles"),
    path("a/<slug:slug>/plans/<int:pk>/roster/", views.plan_roster, name="plan_roster"),
    path("a/<slug:slug>/plans/<int:pk>/alert/", alert_views.alert_raise, name="alert_raise"),
    path("a/<slug:slug>/plans/<int:pk>/shifts/", shift_views.plan_shifts, name="plan_shifts"),
    path("a/<slug:slug>/plans/<int:pk>/shifts/<int:shift_pk>/cancel/", shift_views.shift_cancel, name="shift_cancel"),
    path("a/<slug:slug>/plans/<int:pk>/report-line/", views.report_line_edit, name="report_line_edit"),
    path("a/<slug:slug>/plans/<int:pk>/report-line/make/", views.report_line_make, name="report_line_make"),
    path("a/<slug:slug>/plans/<int:pk>/report-line/new-code/", views.report_line_new_code, name="report_line_new_code"),
    path("a/<slug:slug>/plans/<int:pk>/<slug:part>/", views.plan_part, name="plan_part"),
    path("a/<slug:slug>/plans/<int:pk>/r/<int:role_pk>/claim/", views.role_claim, name="role_claim"),
    path("a/<slug:slug>/plans/<int:pk>/r/<int:role_pk>/release/", views.role_release, name="role_release"),
    path("a/<slug:slug>/plans/<int:pk>/r/<int:role_pk>/card/", views.role_card, name="role_card"),
    path("a/<slug:slug>/alerts/<int:alert_pk>/", alert_views.alert_board, name="alert_board"),
    path("a/<slug:slug>/alerts/<int:alert_pk>/board.json", alert_views.alert_board_data, name="alert_board_data"),
    path("a/<slug:slug>/alerts/<int:alert_pk>/verify/", alert_views.alert_verify, name="alert_verify"),
    path("a/<slug:slug>/alerts/<int:alert_pk>/close/", alert_views.alert_close, name="alert_close"),
    path("a/<slug:slug>/alerts/<int:alert_pk>/hand/", alert_views.alert_hand, name="alert_hand"),
    path("a/<slug:slug>/alerts/<int:alert_pk>/update/", alert_views.alert_update, name="alert_update"),
    path("al/<str:token>/", alert_views.alert_answer, name="alert_answer"),
    path("report/<str:code>/", report_views.report_page, name="report_page"),
    path("report/<str:code>/thanks/", report_views.report_thanks, name="report_thanks"),
]
