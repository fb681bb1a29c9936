from django.apps import AppConfig


class WorktimeConfig(AppConfig):
    name = "opendvc.worktime"
    label = "worktime"
    default_auto_field = "django.db.models.BigAutoField"
