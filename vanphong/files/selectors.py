"""Reads of the files app: the extraction state of a document's files."""

from __future__ import annotations

from dataclasses import dataclass

from vanphong.documents.models import DocumentFile, IncomingDocument
from vanphong.files.models import BlobText, ExtractStatus


@dataclass
class FileExtraction:
    file: DocumentFile
    state: BlobText | None

    @property
    def busy(self) -> bool:
        return self.state is None or self.state.status in (
            ExtractStatus.PENDING,
            ExtractStatus.RUNNING,
        )


def document_extractions(doc: IncomingDocument) -> list[FileExtraction]:
    """Caller has checked that the user may see `doc`."""
    files = list(DocumentFile.objects.filter(document=doc).order_by("uploaded_at", "id"))
    states = BlobText.objects.select_related("searchable").in_bulk([f.blob_id for f in files])
    return [FileExtraction(file=f, state=states.get(f.blob_id)) for f in files]
