from django.urls import path

from . import views

app_name = "registries"

urlpatterns = [
    path(
        "ho-so-cua-toi/<uuid:public_id>/lay-thong-tin/<str:registry>/",
        views.prefill,
        name="prefill",
    ),
    path(
        "ca-nhan/to-chuc/<uuid:public_id>/xac-thuc/",
        views.organisation_verification,
        name="organisation_verification",
    ),
]
