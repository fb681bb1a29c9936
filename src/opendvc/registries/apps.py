from django.apps import AppConfig


class RegistriesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "opendvc.registries"
    verbose_name = "Khai thác cơ sở dữ liệu quốc gia"
