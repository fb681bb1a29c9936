from django.urls import path

from . import views

app_name = "payments"
urlpatterns = [
    path("ho-so-cua-toi/<uuid:public_id>/thanh-toan/", views.pay, name="pay"),
    path("ho-so-cua-toi/<uuid:public_id>/thanh-toan/<str:reference>/", views.status, name="status"),
    path(
        "ho-so-cua-toi/<uuid:public_id>/bien-lai/<str:number>/", views.receipt_file, name="receipt"
    ),
    path("thanh-toan/<str:gateway>/ipn/", views.confirmation, name="confirmation"),
    path("thanh-toan/<str:gateway>/ve/", views.gateway_return, name="return"),
    path("bien-lai/<str:token>/", views.verify, name="verify"),
    path("mot-cua/thanh-toan/<str:code>/", views.office, name="office"),
    path("mot-cua/thanh-toan/<str:code>/hoan-tien/", views.office_refund, name="office_refund"),
    path(
        "mot-cua/thanh-toan/<str:code>/bien-lai/<str:number>/",
        views.office_receipt,
        name="office_receipt",
    ),
]
