from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class CatalogConfig(AppConfig):
    name = "opendvc.catalog"
    label = "catalog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported in ready(): the services import the models, not loaded when apps.py is.
        from .services import bump_revision

        # Whatever is kept per catalog revision (the search index of each process, search results,
        # procedure pages) must follow every change, however it is made: through the services (which
        # change the revision too), the admin or a plain save. A procedure's page also shows its
        # e-form and its form files. Bulk updates (``QuerySet.update``) send no signal: code doing
        # them calls ``bump_revision`` itself.
        def page_part_changed(**kwargs) -> None:
            bump_revision()

        senders = (
            "eforms.FormAssignment",
            "catalog.FormFile",
            "catalog.Procedure",
            "catalog.ProcedureMethod",
            "catalog.Sector",
            "catalog.Field",
            "agencies.Agency",
            "agencies.Tier",
        )
        for sender in senders:
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
        procedure = self.get_model("Procedure")
        for through in (procedure.tiers.through, procedure.agencies.through):
            m2m_changed.connect(
                page_part_changed,
                sender=through,
                weak=False,
                dispatch_uid=f"catalog-revision-on-m2m-{through._meta.label}",
            )
