"""PAdES signing mechanics with pyHanko: the visible marks of Nghị định 30, signing in one go with
a key the server can reach, and interrupted signing (prepare here, sign elsewhere, complete here).

Nothing here touches the database; `vanphong.signing.services` does."""

from __future__ import annotations

import asyncio
import io
import os
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from django.utils import timezone
from pyhanko import stamp
from pyhanko.pdf_utils import images, layout, text
from pyhanko.pdf_utils.font import opentype
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko_certvalidator.registry import SimpleCertificateStore

from vanphong.core.errors import DomainError

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FONT_SIZE = 8
DIGEST = "sha256"


class Mark(StrEnum):
    """Which visible mark the signature carries."""

    SIGNER = "signer"  # the signer's signature image between title and name
    SEAL = "seal"  # the organisation's seal image, overlapping a third of the signer's on the left
    ATTACHMENT = "attachment"  # text-only organisation signature, top right of page 1
    NONE = "none"  # invisible signature


@dataclass(frozen=True)
class Box:
    """A rectangle in PDF points (origin bottom-left) on a page (0 = first, -1 = last)."""

    x1: float
    y1: float
    x2: float
    y2: float
    page: int = -1

    @property
    def width(self) -> float:
        return self.x2 - self.x1

    @property
    def height(self) -> float:
        return self.y2 - self.y1

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (round(self.x1), round(self.y1), round(self.x2), round(self.y2))


# Where the signer's image goes when the caller does not say: right column, above the bottom
# margin of the last page (the signature block of an A4 Party document).
DEFAULT_SIGNER_BOX = Box(350, 120, 520, 185, page=-1)


def seal_box_for(signer_box: Box) -> Box:
    """The seal: a square as tall as the signature image plus a little, its right edge a third
    of the way into the signature image (Nghị định 30, Phụ lục I)."""
    side = signer_box.height * 1.3
    right = signer_box.x1 + signer_box.width / 3
    middle = (signer_box.y1 + signer_box.y2) / 2
    return Box(right - side, middle - side / 2, right, middle + side / 2, page=signer_box.page)


@dataclass(frozen=True)
class SignSpec:
    field_name: str
    mark: Mark
    signer_name: str
    reason: str = "Ký ban hành văn bản"
    location: str = ""
    box: Box | None = None  # the signer's box (for SEAL: the signer's box it overlaps)
    image_png: bytes | None = None
    number_notation: str = ""  # attachments: "123-CV/VPTU"
    organisation_name: str = ""


# Latin, Latin-1, Latin Extended-A/B, combining marks, Latin Extended Additional (Vietnamese),
# general punctuation and the đồng sign.
_VIETNAMESE = [*range(0x20, 0x7F), *range(0xA0, 0x250), *range(0x300, 0x370)] + [
    *range(0x1E00, 0x1F00),
    *range(0x2000, 0x2070),
    0x20AB,
]


def _vietnamese_subset(source: Path) -> Path:
    """The font cut down to what Vietnamese needs, cached on disk: pyHanko parses and subsets
    the font file at every signature, and the full Noto Sans takes seconds to parse."""
    from django.conf import settings
    from fontTools import subset
    from fontTools.ttLib import TTFont

    stamp = int(source.stat().st_mtime)
    target = Path(settings.VAR_DIR) / "cache" / "fonts" / f"{source.stem}-vi-nolayout-{stamp}.ttf"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    options = subset.Options()
    # stamp text is NFC, so precomposed glyphs suffice and no mark positioning is needed
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.glyph_names = True
    font = TTFont(str(source))
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=_VIETNAMESE)
    subsetter.subset(font)
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    font.save(str(partial))
    os.replace(partial, target)
    return target


@cache
def _font(name: str) -> opentype.GlyphAccumulatorFactory:
    path = _vietnamese_subset(FONT_DIR / name)
    return opentype.GlyphAccumulatorFactory(str(path), font_size=FONT_SIZE)


def _text_style(lines: str, background: bytes | None = None) -> stamp.TextStampStyle:
    lines = unicodedata.normalize("NFC", lines)
    kwargs: dict[str, object] = {}
    if background is not None:
        kwargs["background"] = _png(background)
        kwargs["background_opacity"] = 1.0
    return stamp.TextStampStyle(
        stamp_text=lines,
        text_box_style=text.TextBoxStyle(font=_font("NotoSans-Regular.ttf"), font_size=FONT_SIZE),
        border_width=0,
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MIN
        ),
        **kwargs,  # type: ignore[arg-type]
    )


def _png(data: bytes) -> images.PdfImage:
    from PIL import Image, UnidentifiedImageError

    try:
        image: Image.Image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise DomainError(f"Hình ảnh chữ ký hoặc con dấu không đọc được ({exc}).") from None
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA")
    return images.PdfImage(image)


def _page_size(writer: IncrementalPdfFileWriter, page: int) -> tuple[int, float, float]:
    """The page index (negative counts from the back) and its width and height in points."""
    total = int(writer.root["/Pages"]["/Count"])
    index = page if page >= 0 else total + page
    if not 0 <= index < total:
        raise DomainError(f"Văn bản không có trang {page + 1}.")
    node = writer.find_page_for_modification(index)[0].get_object()
    mediabox = None
    while node is not None and mediabox is None:
        mediabox = node.get("/MediaBox")
        node = node.get("/Parent")
        node = node.get_object() if node is not None else None
    x0, y0, x1, y1 = (float(v) for v in (mediabox or [0, 0, 595, 842]))
    return index, x1 - x0, y1 - y0


def _field_and_style(
    writer: IncrementalPdfFileWriter, spec: SignSpec, when: str
) -> tuple[fields.SigFieldSpec, stamp.BaseStampStyle | None]:
    if spec.mark is Mark.NONE:
        return fields.SigFieldSpec(spec.field_name), None
    if spec.mark is Mark.ATTACHMENT:
        index, width, height = _page_size(writer, 0)
        box = Box(width - 36 - 215, height - 24 - 46, width - 36, height - 24, page=0)
        lines = (
            f"{spec.organisation_name or spec.signer_name}\n"
            f"Số, ký hiệu: {spec.number_notation}\n"
            f"Thời gian ký: {when}"
        )
        style: stamp.BaseStampStyle = _text_style(lines)
    else:
        signer_box = spec.box or DEFAULT_SIGNER_BOX
        box = seal_box_for(signer_box) if spec.mark is Mark.SEAL else signer_box
        index, _w, _h = _page_size(writer, box.page)
        if spec.image_png:
            style = stamp.StaticStampStyle(
                background=_png(spec.image_png), background_opacity=1.0, border_width=0
            )
        else:
            style = _text_style(f"Ký bởi: {spec.signer_name}\nThời gian ký: {when}")
    return fields.SigFieldSpec(spec.field_name, on_page=index, box=box.as_tuple()), style


def _writer(pdf: bytes) -> IncrementalPdfFileWriter:
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise DomainError(f"Tệp PDF bị hỏng, không ký được ({exc}).") from None
    if writer.prev.encrypted:
        raise DomainError("Tệp PDF được mã hóa bằng mật khẩu, không ký được.")
    return writer


def _meta(spec: SignSpec) -> signers.PdfSignatureMetadata:
    return signers.PdfSignatureMetadata(
        field_name=spec.field_name,
        md_algorithm=DIGEST,
        subfilter=SigSeedSubFilter.PADES,
        reason=spec.reason,
        location=spec.location or None,
        name=spec.signer_name or None,
        use_pades_lta=False,
    )


def _pdf_signer(
    writer: IncrementalPdfFileWriter,
    spec: SignSpec,
    signer: signers.Signer,
    timestamper: timestamps.TimeStamper | None,
) -> signers.PdfSigner:
    when = timezone.localtime().isoformat(timespec="seconds")
    field_spec, style = _field_and_style(writer, spec, when)
    return signers.PdfSigner(
        _meta(spec),
        signer=signer,
        timestamper=timestamper,
        stamp_style=style,
        new_field_spec=field_spec,
    )


def _check_field_free(writer: IncrementalPdfFileWriter, name: str) -> None:
    for field_name, value, _ref in fields.enumerate_sig_fields(writer, filled_status=None):
        if field_name == name and value is not None:
            raise DomainError(f"Văn bản đã có chữ ký ở ô “{name}”.")


def sign_with(
    pdf: bytes,
    *,
    signer: signers.Signer,
    spec: SignSpec,
    timestamper: timestamps.TimeStamper | None = None,
) -> bytes:
    """Sign in one go with a key the server can use (PKCS#12 file, PKCS#11 token/HSM)."""
    writer = _writer(pdf)
    _check_field_free(writer, spec.field_name)
    pdf_signer = _pdf_signer(writer, spec, signer, timestamper)
    out = io.BytesIO()
    pdf_signer.sign_pdf(writer, output=out)
    return out.getvalue()


@dataclass(frozen=True)
class Prepared:
    """What the server keeps between preparing and completing an interrupted signature."""

    prepared_pdf: bytes
    signed_attrs: bytes  # DER of the CMS signed attributes: exactly what the token signs
    document_digest: bytes
    reserved_start: int
    reserved_end: int


def _registry(chain: list[asn1_x509.Certificate]) -> SimpleCertificateStore:
    return SimpleCertificateStore.from_certs(chain)


def prepare_external(
    pdf: bytes,
    *,
    cert: asn1_x509.Certificate,
    chain: list[asn1_x509.Certificate],
    spec: SignSpec,
    timestamper: timestamps.TimeStamper | None = None,
) -> Prepared:
    """Lay out the signature, reserve room for the CMS, and compute the signed attributes."""
    writer = _writer(pdf)
    _check_field_free(writer, spec.field_name)
    key_bits = cert.public_key.bit_size if cert.public_key.algorithm == "rsa" else 512
    ext = signers.ExternalSigner(cert, _registry(chain), signature_value=max(key_bits // 8, 256))
    pdf_signer = _pdf_signer(writer, spec, ext, timestamper)

    async def run() -> Prepared:
        digest, _tbs, output = await pdf_signer.async_digest_doc_for_signing(writer)
        attrs = await ext.signed_attrs(
            digest.document_digest, DIGEST, use_pades=True, timestamper=None
        )
        output.seek(0)
        return Prepared(
            prepared_pdf=output.read(),
            signed_attrs=attrs.dump(),
            document_digest=digest.document_digest,
            reserved_start=digest.reserved_region_start,
            reserved_end=digest.reserved_region_end,
        )

    return asyncio.run(run())


def complete_external(
    prepared: Prepared,
    *,
    signature: bytes,
    cert: asn1_x509.Certificate,
    chain: list[asn1_x509.Certificate],
    timestamper: timestamps.TimeStamper | None = None,
) -> bytes:
    """Wrap the token's signature in the CMS and write it into the reserved place."""
    ext = signers.ExternalSigner(cert, _registry(chain), signature_value=signature)
    attrs = cms.CMSAttributes.load(prepared.signed_attrs)
    digest = PreparedByteRangeDigest(
        document_digest=prepared.document_digest,
        reserved_region_start=prepared.reserved_start,
        reserved_region_end=prepared.reserved_end,
    )

    async def run() -> bytes:
        signed = await ext.async_sign_prescribed_attributes(
            DIGEST, signed_attrs=attrs, timestamper=timestamper
        )
        output = io.BytesIO(prepared.prepared_pdf)
        await PdfTBSDocument.async_finish_signing(output, digest, signed)
        return output.getvalue()

    try:
        return asyncio.run(run())
    except PdfError as exc:
        raise DomainError(f"Không hoàn tất được chữ ký ({exc}).") from None
