"""PAdES-signed PDFs for the exchange bench: a throw-away key and certificate, pyHanko B-B."""

from __future__ import annotations

import io

from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from vanphong.exchange.edxml.samples import node_identity, pdf_bytes


def page_title(n: int) -> str:
    """A born-digital document's text layer: long enough (more than OCR_MIN_CHARS_PER_PAGE) that
    the receiver reads the text instead of running OCR, as for a real issued PDF."""
    return f"Cong van so {n}-CV/VPTU ve viec trien khai nhiem vu cong tac van phong nam 2026"


def signed_pdfs(count: int, size: int) -> list[bytes]:
    """`count` different PDFs of about `size` bytes, each signed (PAdES B-B, SHA-256)."""
    ident = node_identity("000.00.01.T45", "Văn phòng Tỉnh ủy (ký thử nghiệm)")
    key = load_private_key_from_pemder_data(ident.key_pem, passphrase=None)
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pem") as handle:
        handle.write(ident.cert_pem)
        handle.flush()
        cert = load_cert_from_pemder(handle.name)
    signer = signers.SimpleSigner(
        signing_cert=cert, signing_key=key, cert_registry=SimpleCertificateStore.from_certs([cert])
    )
    meta = signers.PdfSignatureMetadata(field_name="ChuKy", md_algorithm="sha256")
    out = []
    for n in range(count):
        pdf = pdf_bytes(title=page_title(n + 1), size=max(0, size - 12_000), seed=n)
        buffer = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer)
        out.append(buffer.getvalue())
    return out
