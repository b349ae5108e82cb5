"""Worker jobs: validate the signed PDFs of a newly registered document, reload the CRL folder,
warn about certificates close to expiry, and drop stale pending signatures."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from vanphong.core.errors import DomainError

logger = logging.getLogger(__name__)


def validate_document_files_now(document_id: int) -> int:
    """Validate every PDF of an incoming document; returns how many were checked."""
    from vanphong.documents.models import DocumentFile
    from vanphong.signing.services import signature_validate_blob
    from vanphong.signing.trust import load_trust

    trust = load_trust()
    checked = 0
    files = DocumentFile.objects.filter(
        document_id=document_id, blob__content_type="application/pdf"
    ).select_related("blob")
    for blob in {f.blob_id: f.blob for f in files}.values():
        try:
            signature_validate_blob(blob=blob, trust=trust)
        except DomainError as exc:
            logger.warning("validation of %s failed: %s", blob.pk, exc.message)
            continue
        checked += 1
    return checked


@db_task(retries=2, retry_delay=30)
def validate_document_files(document_id: int) -> int:
    return validate_document_files_now(document_id)


@db_task(retries=2, retry_delay=30)
def validate_blob_once(blob_id: str) -> int:
    """Validate a stored PDF unless it already was (a signed outgoing PDF is checked once, for
    the sender's page and every internal recipient's page alike). Returns the signature count."""
    from vanphong.files.models import Blob
    from vanphong.signing.models import BlobValidation
    from vanphong.signing.services import signature_validate_blob

    done = BlobValidation.objects.filter(blob_id=blob_id).first()
    if done is not None:
        return done.signature_count
    blob = Blob.objects.filter(pk=blob_id, content_type="application/pdf").first()
    if blob is None:
        return 0
    try:
        return signature_validate_blob(blob=blob).signature_count
    except DomainError as exc:
        logger.warning("validation of %s failed: %s", blob_id, exc.message)
        return 0


@db_periodic_task(crontab(minute="*/15"))
def reload_crl_folder() -> int:
    from vanphong.signing.trust_services import crl_folder_reload

    return len(crl_folder_reload().loaded)


@db_periodic_task(crontab(hour="7", minute="5"))
def warn_expiring_certificates() -> int:
    """People's registered certificates and each organisation's own key, in one daily run."""
    from vanphong.signing.trust_services import (
        certificate_expiry_warnings,
        organisation_certificate_expiry_warnings,
    )

    return certificate_expiry_warnings() + organisation_certificate_expiry_warnings()


@db_periodic_task(crontab(minute="41"))
def drop_stale_pending_signatures() -> int:
    from vanphong.signing.services import pending_cleanup

    return pending_cleanup()
