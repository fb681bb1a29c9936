from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from opendvc.accounts.views import EmailConfirm, language_choose
from opendvc.api.main import api
from opendvc.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/setlang/", language_choose, name="set_language"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    # allauth's email verification page, told apart for a link whose address is verified already.
    path("tai-khoan/confirm-email/<str:key>/", EmailConfirm.as_view(), name="account_confirm_email"),
    path("tai-khoan/", include("allauth.urls")),
    path("", include("opendvc.accounts.urls")),
    path("", include("opendvc.worktime.urls")),
    path("", include("opendvc.catalog.urls")),
    path("", include("opendvc.eforms.urls")),
    path("", include("opendvc.feedback.urls")),
    path("", include("opendvc.surveys.urls")),
    path("", include("opendvc.workflow.urls")),
    path("", include("opendvc.backoffice.urls")),
    path("", include("opendvc.ops.urls")),
    path("", include("opendvc.reports.urls")),
    path("", include("opendvc.payments.urls")),
    path("", include("opendvc.signing.urls")),
    path("", include("opendvc.vault.urls")),
    path("", include("opendvc.integrations.urls")),
    path("", include("opendvc.registries.urls")),
    path("", include("opendvc.linked.urls")),
    path("", include("opendvc.postal.urls")),
    path("", include("opendvc.dossiers.urls")),
    path("", include("opendvc.portal.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "opendvc.core.views.bad_request"
handler403 = "opendvc.core.views.permission_denied"
handler404 = "opendvc.core.views.page_not_found"
handler500 = "opendvc.core.views.server_error"
