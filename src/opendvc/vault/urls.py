from django.urls import path

from . import views

app_name = "vault"

urlpatterns = [
    path("kho-du-lieu/", views.home, name="home"),
    path("kho-du-lieu/to-chuc/<uuid:public_id>/", views.organisation_store, name="organisation"),
    path("kho-du-lieu/<uuid:public_id>/tai-ve/", views.download, name="download"),
    path("kho-du-lieu/<uuid:public_id>/xoa/", views.delete, name="delete"),
    path("kho-du-lieu/<uuid:public_id>/chia-se/", views.share, name="share"),
    path("kho-du-lieu/chia-se/<str:token>/", views.shared, name="shared"),
    path("kho-du-lieu/chia-se/<str:token>/thu-hoi/", views.share_revoke, name="share_revoke"),
]
