from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "opendvc.agencies"
    label = "agencies"
    default_auto_field = "django.db.models.BigAutoField"
