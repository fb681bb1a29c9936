from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class CatalogConfig(AppConfig):
    name = "opendvc.catalog"
    label = "catalog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported in ready(): the services import the models, not loaded when apps.py is.
        from .services import bump_revision

        # A procedure's page shows its e-form and its form files: publishing or withdrawing an e-form,
        # or uploading a form file, is a catalog change for the caches kept per catalog revision
        # (search results, procedure pages). Procedures themselves change through the services,
        # which change the revision already.
        def page_part_changed(**kwargs) -> None:
            bump_revision()

        for sender in ("eforms.FormAssignment", "catalog.FormFile"):
            post_save.connect(
                page_part_changed,
                sender=sender,
                weak=False,
                dispatch_uid=f"catalog-revision-on-save-{sender}",
            )
            post_delete.connect(
                page_part_changed,
                sender=sender,
                weak=False,
                dispatch_uid=f"catalog-revision-on-delete-{sender}",
            )
