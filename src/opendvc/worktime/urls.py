from django.urls import path

from . import views

app_name = "worktime"
urlpatterns = [
    path("quan-tri/lich-lam-viec/", views.calendar_current, name="calendar"),
    path("quan-tri/lich-lam-viec/<int:year>/", views.calendar_year, name="calendar_year"),
    path("quan-tri/lich-lam-viec/<int:year>/xoa/", views.calendar_remove, name="calendar_remove"),
    path("quan-tri/lich-lam-viec/<int:year>/khoi-tao/", views.calendar_seed, name="calendar_seed"),
]
