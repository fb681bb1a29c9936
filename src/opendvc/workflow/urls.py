from django.urls import path

from . import views

app_name = "workflow"
urlpatterns = [
    path("can-bo/viec-can-xu-ly/", views.work_queue, name="queue"),
    path("can-bo/xu-ly/<str:code>/", views.dossier, name="dossier"),
    path("can-bo/xu-ly/<str:code>/thao-tac/", views.act, name="act"),
    path("can-bo/xu-ly/<str:code>/phieu-kiem-soat.pdf", views.control_sheet, name="control_sheet"),
    path("can-bo/tong-quan-xu-ly/", views.overview, name="overview"),
    path("can-bo/quy-trinh/<str:code>/", views.process_edit, name="process_edit"),
]
