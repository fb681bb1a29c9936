from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "opendvc.workflow"
    label = "workflow"
    verbose_name = "Quy trình nội bộ"
    default_auto_field = "django.db.models.BigAutoField"
