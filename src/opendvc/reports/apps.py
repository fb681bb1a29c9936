from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "opendvc.reports"
    verbose_name = _("Báo cáo, chỉ số")
    default_auto_field = "django.db.models.BigAutoField"
