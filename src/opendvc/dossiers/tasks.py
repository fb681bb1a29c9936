from celery import shared_task


# Any failure (a refused signature, an unreachable time-stamping authority, the storage) is retried
# with backoff; after the last try the periodic job ``dossiers.render_pending_documents`` takes it up.
@shared_task(autoretry_for=(Exception,), retry_backoff=10, retry_backoff_max=3600, max_retries=12)
def render_documents(document_ids: list[int]) -> int:
    from . import documents

    return len(documents.documents_render(document_ids=document_ids))
