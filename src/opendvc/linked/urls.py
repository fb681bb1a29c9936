from django.urls import path

from . import views

app_name = "linked"

urlpatterns = [
    path("lien-thong/", views.catalog, name="catalog"),
    path("lien-thong/thu-tuc/<slug:key>/", views.bundle_detail, name="bundle"),
    path("ho-so-cua-toi/<uuid:public_id>/lien-thong/", views.dossier_page, name="dossier"),
    path(
        "ho-so-cua-toi/<uuid:public_id>/lien-thong/<int:part_id>/bo-sung/",
        views.supply,
        name="supply",
    ),
    path("mot-cua/lien-thong/", views.inbox, name="inbox"),
    path("mot-cua/lien-thong/phan/<int:part_id>/", views.part_page, name="part"),
    path("mot-cua/lien-thong/phan/<int:part_id>/thao-tac/", views.part_action, name="part_action"),
    path("mot-cua/lien-thong/phan/<int:part_id>/hoan-tat/", views.finish, name="finish"),
    path(
        "mot-cua/lien-thong/phan/<int:part_id>/tep-ket-qua/",
        views.result_file_upload,
        name="result_file_upload",
    ),
    path(
        "lien-thong/tep-ket-qua/<int:file_id>/",
        views.result_file_download,
        name="result_file",
    ),
    path("mot-cua/lien-thong/thong-ke/", views.figures, name="figures"),
]
