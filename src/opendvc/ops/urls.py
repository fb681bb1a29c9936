from django.urls import path

from . import metrics, views

app_name = "ops"
urlpatterns = [
    path("trang-thai/", views.status_page, name="status"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("quan-tri/su-co/", views.staff_list, name="staff_list"),
    path("quan-tri/su-co/mo/", views.staff_open, name="staff_open"),
    path("quan-tri/su-co/<uuid:public_id>/", views.staff_detail, name="staff_detail"),
]
