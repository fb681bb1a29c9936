from django.urls import path

from . import views

app_name = "backoffice"
urlpatterns = [path("quan-tri/", views.home, name="home")]
