from django.urls import path

from opendvc.agencies import views as agency_views

from . import views

app_name = "accounts"
urlpatterns = [
    path("ca-nhan/ho-so/", views.profile_edit, name="profile"),
    path("ca-nhan/mat-khau/", views.password, name="password"),
    path("ca-nhan/bao-mat/", views.security, name="security"),
    path("ca-nhan/phien-dang-nhap/", views.sessions, name="sessions"),
    path("ca-nhan/ma-truy-cap-api/", views.api_tokens, name="api_tokens"),
    path(
        "ca-nhan/ma-truy-cap-api/<str:token_id>/thu-hoi/",
        views.api_token_revoke,
        name="api_token_revoke",
    ),
    path("ca-nhan/to-chuc/", views.organisations, name="organisations"),
    path("ca-nhan/to-chuc/them/", views.organisation_create, name="organisation_create"),
    path("ca-nhan/to-chuc/<uuid:public_id>/", views.organisation_detail, name="organisation"),
    path(
        "ca-nhan/to-chuc/<uuid:public_id>/nhan-dai-dien/",
        views.organisation_representative_claim,
        name="organisation_representative_claim",
    ),
    path(
        "ca-nhan/to-chuc/<uuid:public_id>/thanh-vien/<int:member_id>/go/",
        views.organisation_member_remove,
        name="organisation_member_remove",
    ),
    path(
        "ca-nhan/to-chuc/<uuid:public_id>/thanh-vien/<int:member_id>/vai-tro/",
        views.organisation_member_role,
        name="organisation_member_role",
    ),
    path("ca-nhan/du-lieu/tai-ve/", views.data_export, name="data_export"),
    path("ca-nhan/xoa-tai-khoan/", views.deletion_request, name="deletion"),
    # Back office
    path("quan-tri/cong-dan/", views.person_search, name="person_search"),
    path("quan-tri/cong-dan/<uuid:public_id>/", views.person_detail, name="person_detail"),
    path("quan-tri/yeu-cau-xoa-tai-khoan/", views.deletion_requests, name="deletion_requests"),
    path("quan-tri/co-quan/<str:code>/can-bo/", agency_views.agency_staff, name="agency_staff"),
]
