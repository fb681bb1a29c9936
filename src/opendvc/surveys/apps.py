from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "opendvc.surveys"
    label = "surveys"
    verbose_name = "Khảo sát mức độ hài lòng"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import signals

        signals.connect()
