from django.apps import AppConfig


class EformsConfig(AppConfig):
    name = "opendvc.eforms"
    label = "eforms"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Biểu mẫu điện tử"
