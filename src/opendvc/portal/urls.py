from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("gioi-thieu/", views.about, name="about"),
    path("ca-nhan/", views.account_home, name="account_home"),
    path("ca-nhan/thong-bao/", views.inbox, name="inbox"),
]
