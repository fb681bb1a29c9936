app_name = "worktime"
urlpatterns: list = []
