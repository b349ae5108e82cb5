"""Signatures and validations per second for a 10-page PDF.

    python bench/signing.py [--count 40] [--pages 10]

Signing: PAdES B-B, SHA-256, RSA 2048 from a PKCS#12 key, with the visible signer mark (text
rendered with Noto Sans). Validation: integrity, chain to the configured root, validity at
signing time and revocation from the CA's CRL (everything offline), for a PDF carrying the
signer's and the organisation's signatures (two signatures checked per validation).
The test PKI is generated on the fly (tests/signing_pki.py). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vanphong.settings")


def ten_page_pdf(pages: int) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("NotoSerif", str(ROOT / "vanphong/fonts/NotoSerif-Regular.ttf")))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    line = "Thực hiện Chỉ thị số 05-CT/TW, Ban Thường vụ Tỉnh ủy yêu cầu các cấp ủy, tổ chức đảng"
    for page in range(pages):
        pdf.setFont("NotoSerif", 13)
        for row in range(40):
            pdf.drawString(72, 780 - row * 18, f"{line} ({page + 1}.{row + 1})"[:95])
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=40, help="signatures and validations timed")
    parser.add_argument("--pages", type=int, default=10)
    args = parser.parse_args()

    import django

    django.setup()
    import logging

    logging.getLogger("fontTools").setLevel(logging.WARNING)
    from asn1crypto import crl as asn1_crl
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign import signers

    from tests.signing_pki import PASSPHRASE, build_pki
    from vanphong.signing import pdfsign
    from vanphong.signing.models import Verdict
    from vanphong.signing.trust import TrustMaterial
    from vanphong.signing.validation import check_pdf

    pki = build_pki()
    pdf = ten_page_pdf(args.pages)

    def signer_of(identity):  # type: ignore[no-untyped-def]
        loaded = signers.SimpleSigner.load_pkcs12_data(
            identity.pkcs12(), passphrase=PASSPHRASE, other_certs=[]
        )
        assert loaded is not None
        return loaded

    person, office = signer_of(pki.signer), signer_of(pki.organisation)
    spec = pdfsign.SignSpec("ChuKyNguoiKy", pdfsign.Mark.SIGNER, "Nguyễn Văn Ánh")
    pdfsign.sign_with(pdf, signer=person, spec=spec)  # warm up (font loading)
    started = time.perf_counter()
    for _ in range(args.count):
        signed = pdfsign.sign_with(pdf, signer=person, spec=spec)
    sign_seconds = time.perf_counter() - started

    seal = pdfsign.SignSpec("ChuKyCoQuan", pdfsign.Mark.SEAL, "Văn phòng Tỉnh ủy Quảng Nam")
    twice = pdfsign.sign_with(signed, signer=office, spec=seal)
    trust = TrustMaterial(
        roots=[asn1_x509.Certificate.load(pki.root.cert_der)],
        intermediates=[asn1_x509.Certificate.load(pki.intermediate.cert_der)],
        crls=[asn1_crl.CertificateList.load(c) for c in (pki.root_crl, pki.intermediate_crl)],
    )
    first = check_pdf(twice, trust)
    assert [s.verdict for s in first.signatures] == [Verdict.VALID, Verdict.VALID], first
    started = time.perf_counter()
    for _ in range(args.count):
        check_pdf(twice, trust)
    validate_seconds = time.perf_counter() - started

    print(
        json.dumps(
            {
                "bench": "signing",
                "pages": args.pages,
                "pdf_bytes": len(pdf),
                "count": args.count,
                "sign_per_s": round(args.count / sign_seconds, 2),
                "sign_ms": round(1000 * sign_seconds / args.count, 1),
                "validate_per_s": round(args.count / validate_seconds, 2),
                "validate_ms": round(1000 * validate_seconds / args.count, 1),
                "signatures_per_validation": 2,
            }
        )
    )


if __name__ == "__main__":
    main()
