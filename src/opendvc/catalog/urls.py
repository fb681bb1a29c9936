from django.urls import path, register_converter

from . import views


class ProcedureCodeConverter:
    regex = r"[0-9A-Za-z][0-9A-Za-z.\-]{0,39}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ProcedureCodeConverter, "pcode")

app_name = "catalog"
urlpatterns = [
    path("thu-tuc/", views.catalog_list, name="list"),
    path("thu-tuc/<pcode:code>/", views.procedure_detail, name="detail"),
    path("thu-tuc/<pcode:code>/nop-truc-tuyen/", views.submit_online, name="submit"),
    path("thu-tuc/<pcode:code>/bieu-mau/<int:form_id>/", views.form_download, name="form"),
    path("co-quan/<str:code>/", views.agency_detail, name="agency"),
    path("quan-tri/thu-tuc/<pcode:code>/xem-truoc/", views.preview, name="preview"),
]
