from django.urls import path

from . import views

app_name = "workflow"
urlpatterns = [
    path("can-bo/viec-can-xu-ly/", views.work_queue, name="queue"),
    path("can-bo/quy-trinh/<str:code>/", views.process_edit, name="process_edit"),
]
