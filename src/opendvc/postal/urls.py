from django.urls import path

from . import views

app_name = "postal"
urlpatterns = [
    path("buu-chinh/thu-gom/", views.pickup_new, name="pickup_new"),
    path("buu-chinh/don-cua-toi/", views.mine, name="mine"),
    path(
        "buu-chinh/don-cua-toi/<str:order_number>/huy/",
        views.pickup_cancel,
        name="pickup_cancel",
    ),
    path("quan-tri/buu-chinh/", views.queue, name="queue"),
    path("quan-tri/buu-chinh/don/<str:order_number>/", views.order_detail, name="order"),
    path("quan-tri/buu-chinh/don/<str:order_number>/bang-chung/", views.proof, name="proof"),
    path("mot-cua/buu-chinh/", views.office, name="office"),
    path(
        "mot-cua/buu-chinh/thu-gom/<str:order_number>/tiep-nhan/",
        views.office_intake,
        name="office_intake",
    ),
    path("mot-cua/buu-chinh/tra-ket-qua/<str:code>/", views.office_return, name="office_return"),
]
