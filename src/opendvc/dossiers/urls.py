from django.urls import path

from . import views, views_part2

app_name = "dossiers"
urlpatterns = [
    path("nop-ho-so/<str:code>/", views.start, name="start"),
    path("ho-so-cua-toi/", views.mine, name="mine"),
    path("ho-so-cua-toi/<uuid:public_id>/", views.mine_detail, name="mine_detail"),
    path("ho-so-cua-toi/<uuid:public_id>/soan/", views.edit, name="edit"),
    path("ho-so-cua-toi/<uuid:public_id>/xem-lai/", views.review, name="review"),
    path("ho-so-cua-toi/<uuid:public_id>/rut/", views.withdraw, name="withdraw"),
    path("ho-so-cua-toi/<uuid:public_id>/tep/<int:file_id>/", views.mine_file, name="mine_file"),
    path("ho-so-cua-toi/<uuid:public_id>/giay-to/<int:doc_id>/", views.mine_document, name="mine_document"),
    path("tra-cuu/", views.lookup, name="lookup"),
    path("ho-so-cua-toi/<uuid:public_id>/bo-sung/", views_part2.supplement, name="supplement"),
    path("ket-qua-giai-quyet/", views_part2.public_results, name="public_results"),
    path("mot-cua/ho-so/", views.inbox, name="inbox"),
    path("mot-cua/ho-so/tiep-nhan-truc-tiep/", views.intake, name="intake"),
    path("mot-cua/ho-so/<str:code>/", views.office_detail, name="office_detail"),
    path("mot-cua/ho-so/<str:code>/thao-tac/", views.office_action, name="office_action"),
    path("mot-cua/ho-so/<str:code>/dinh-danh/", views.office_reveal, name="office_reveal"),
    path("mot-cua/ho-so/<str:code>/tep/<int:file_id>/", views.office_file, name="office_file"),
    path("mot-cua/ho-so/<str:code>/giay-to/<int:doc_id>/", views.office_document, name="office_document"),
]
