from django.urls import path

from . import views

app_name = "feedback"
urlpatterns = [
    path("phan-anh-kien-nghi/gui/", views.submit, name="submit"),
    path("phan-anh-kien-nghi/da-gui/<str:token>/", views.thanks, name="thanks"),
    path("phan-anh-kien-nghi/theo-doi/<str:token>/", views.track, name="track"),
    path(
        "phan-anh-kien-nghi/theo-doi/<str:token>/tep/<int:pk>/", views.track_file, name="track_file"
    ),
    path("phan-anh-kien-nghi/cua-toi/", views.mine, name="mine"),
    path("hoi-dap/", views.qa_list, name="qa_list"),
    path("hoi-dap/<int:pk>/", views.qa_detail, name="qa_detail"),
    path("hoi-dap/thu-tuc/<str:procedure_code>/", views.qa_list, name="qa_procedure"),
    path("quan-tri/phan-anh/", views.queue, name="queue"),
    path("quan-tri/phan-anh/nhap/", views.staff_entry, name="staff_entry"),
    path("quan-tri/phan-anh/vao-so-van-ban/", views.staff_paper_entry, name="staff_paper_entry"),
    path("quan-tri/phan-anh/thong-ke/", views.staff_figures, name="staff_figures"),
    path("quan-tri/phan-anh/thu-cach-ly/", views.staff_quarantine, name="staff_quarantine"),
    path("quan-tri/phan-anh/<str:code>/", views.staff_detail, name="staff_detail"),
    path("quan-tri/phan-anh/<str:code>/thao-tac/", views.staff_action, name="staff_action"),
    path("quan-tri/phan-anh/<str:code>/tep/<int:pk>/", views.staff_file, name="staff_file"),
    path("quan-tri/phan-anh/<str:code>/cong-khai/", views.staff_publish, name="staff_publish"),
]
