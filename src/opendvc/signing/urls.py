from django.urls import path

from . import views

app_name = "signing"

urlpatterns = [
    path("xac-thuc-ket-qua/", views.verify, name="verify"),
]
