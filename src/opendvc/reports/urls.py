from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("minh-bach/", views.transparency, name="transparency"),
    path("minh-bach/du-lieu.csv", views.transparency_csv_view, name="transparency_csv"),
    path("quan-tri/bao-cao/", views.index, name="index"),
    path("quan-tri/bao-cao/chi-tiet-so-lieu/", views.drilldown, name="drilldown"),
    path("quan-tri/bao-cao/lap/", views.request_report, name="request"),
    path("quan-tri/bao-cao/<uuid:public_id>/", views.detail, name="detail"),
    path("quan-tri/bao-cao/<uuid:public_id>/tien-do/", views.progress, name="progress"),
    path("quan-tri/bao-cao/<uuid:public_id>/tai/<str:fmt>/", views.download, name="download"),
    path("quan-tri/bao-cao/<uuid:public_id>/gui-nhan/", views.submission, name="submission"),
    path("quan-tri/giam-sat/", views.oversight, name="oversight"),
    path("quan-tri/giam-sat/don-doc/", views.urge, name="urge"),
]
