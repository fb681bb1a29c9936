from django.urls import path

from . import views

app_name = "integrations"
urlpatterns = [
    path("quan-tri/lien-thong/", views.ledger, name="ledger"),
    path("quan-tri/lien-thong/danh-muc/", views.catalog_pull_review, name="catalog_pull"),
    path("ca-nhan/dien-thoai-sms/", views.sms_settings, name="sms_settings"),
    path("lien-thong/mot-cua/tep/<str:token>/", views.onestop_file, name="onestop_file"),
]
