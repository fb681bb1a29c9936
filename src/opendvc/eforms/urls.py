from django.urls import path, register_converter

from . import views


class _ProcedureCode:
    regex = r"[0-9A-Za-z][0-9A-Za-z.\-]{0,39}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(_ProcedureCode, "eformcode")

app_name = "eforms"
urlpatterns = [
    path("to-khai/ban-nhap/", views.drafts, name="drafts"),
    path("to-khai/ban-nhap/<uuid:public_id>/", views.draft_edit, name="draft"),
    path("to-khai/ban-nhap/<uuid:public_id>/tu-dong-luu/", views.autosave, name="autosave"),
    path("to-khai/ban-nhap/<uuid:public_id>/hoan-thanh/", views.done, name="done"),
    path("to-khai/ban-nhap/<uuid:public_id>/sua-lai/", views.reopen, name="reopen"),
    path("to-khai/ban-nhap/<uuid:public_id>/xoa/", views.draft_delete, name="delete"),
    path("to-khai/ban-nhap/<uuid:public_id>/to-khai.pdf", views.draft_pdf, name="draft_pdf"),
    path("to-khai/phuong-xa/", views.ward_options, name="wards"),
    path("to-khai/<eformcode:code>/", views.start, name="start"),
    path("to-khai/<eformcode:code>/mau-trong.pdf", views.blank_pdf, name="blank_pdf"),
    path("quan-tri/bieu-mau/", views.builder_list, name="builder_list"),
    path("quan-tri/bieu-mau/moi/", views.builder_edit, name="builder_new"),
    path("quan-tri/bieu-mau/xem-truoc/", views.builder_preview, name="builder_preview"),
    path("quan-tri/bieu-mau/<slug:key>/", views.builder_edit, name="builder_edit"),
    path(
        "quan-tri/bieu-mau/<slug:key>/phien-ban/<int:number>/",
        views.builder_version,
        name="builder_version",
    ),
]
