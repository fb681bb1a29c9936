from django.urls import path

from . import views

app_name = "surveys"
urlpatterns = [path("khao-sat/<str:token>/", views.answer, name="answer")]
