from django.urls import path

from .views import applicant, office, processing, public

app_name = "dossiers"
urlpatterns = [
    path("nop-ho-so/<str:code>/", applicant.start, name="start"),
    path("ho-so-cua-toi/", applicant.mine, name="mine"),
    path("ho-so-cua-toi/<uuid:public_id>/", applicant.mine_detail, name="mine_detail"),
    path("ho-so-cua-toi/<uuid:public_id>/soan/", applicant.edit, name="edit"),
    path("ho-so-cua-toi/<uuid:public_id>/xem-lai/", applicant.review, name="review"),
    path("ho-so-cua-toi/<uuid:public_id>/rut/", applicant.withdraw, name="withdraw"),
    path("ho-so-cua-toi/<uuid:public_id>/nhan-ket-qua/", applicant.return_choose, name="return_choose"),
    path("ho-so-cua-toi/<uuid:public_id>/tep/<int:file_id>/", applicant.mine_file, name="mine_file"),
    path("ho-so-cua-toi/<uuid:public_id>/giay-to/<int:doc_id>/", applicant.mine_document, name="mine_document"),
    path("tra-cuu/", public.lookup, name="lookup"),
    path("ho-so-cua-toi/<uuid:public_id>/bo-sung/", applicant.supplement, name="supplement"),
    path("ket-qua-giai-quyet/", public.public_results, name="public_results"),
    path("mot-cua/ho-so/", office.inbox, name="inbox"),
    path("mot-cua/ho-so/tiep-nhan-truc-tiep/", office.intake, name="intake"),
    path("mot-cua/ho-so/<str:code>/", office.office_detail, name="office_detail"),
    path("mot-cua/ho-so/<str:code>/thao-tac/", office.office_action, name="office_action"),
    path("mot-cua/ho-so/<str:code>/dinh-danh/", office.office_reveal, name="office_reveal"),
    path("mot-cua/ho-so/<str:code>/tep/<int:file_id>/", office.office_file, name="office_file"),
    path("mot-cua/ho-so/<str:code>/giay-to/<int:doc_id>/", office.office_document, name="office_document"),
    path("can-bo/xu-ly/<str:code>/", processing.processing, name="processing"),
    path("can-bo/xu-ly/<str:code>/thao-tac/", processing.processing_act, name="processing_act"),
    path("can-bo/xu-ly/<str:code>/phieu-kiem-soat.pdf", processing.control_sheet, name="control_sheet"),
    path("can-bo/tong-quan-xu-ly/", processing.overview, name="overview"),
]
