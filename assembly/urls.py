from allauth.account.decorators import secure_admin_login
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from assembly.accounts.views import language_switch
from assembly.common import views as common_views
from assembly.defense import report_views

# The admin log-in goes through allauth, so it shares its rate limits and verification.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("healthz", common_views.healthz, name="healthz"),
    path("i18n/setlang/", language_switch, name="set_language"),
    # The public report page's short address, for flyers: no language in it, the visitor's phone chooses.
    path("r/<str:code>/", report_views.report_short, name="report_short"),
    path("webhooks/", include("assembly.notify.webhook_urls")),
]

urlpatterns += i18n_patterns(
    path("", include("assembly.assemblies.urls")),
    path("", include("assembly.meetings.urls")),
    path("", include("assembly.rotation.urls")),
    path("", include("assembly.defense.urls")),
    path("notify/", include("assembly.notify.urls")),
    path("accounts/", include("allauth.urls")),
    path("accounts/", include("assembly.accounts.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=True,
)

handler404 = "assembly.common.views.page_not_found"
handler500 = "assembly.common.views.server_error"
# Not Django's: allauth looks it up here for its rate limits.
handler429 = "assembly.common.views.too_many_requests"
