"""One interface for every way of signing: a PKCS#12 file, a PKCS#11 token or HSM the server can
reach, or the signer's own token through the desk agent (interrupted signing).

Direct signers (`interrupted = False`) sign in one call to `sign()`. The agent signer prepares
the PDF and the signed attributes (`prepare()`), the agent signs them on the person's PC, and
`complete()` embeds the signature."""

from __future__ import annotations

import logging
import os
from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar

from asn1crypto import x509 as asn1_x509
from django.conf import settings
from pyhanko.sign import signers as hanko_signers
from pyhanko.sign import timestamps

from vanphong.core.errors import DomainError
from vanphong.env import env_secret
from vanphong.signing import pdfsign
from vanphong.signing.models import Backend, SigningProfile
from vanphong.signing.trust import TrustMaterial, load_trust

log = logging.getLogger(__name__)


def chain_for(cert: asn1_x509.Certificate, trust: TrustMaterial) -> list[asn1_x509.Certificate]:
    """The configured intermediates from the certificate up to (not including) a root."""
    chain: list[asn1_x509.Certificate] = []
    current = cert
    for _ in range(8):
        if current.issuer == current.subject:
            break
        issuer = next((c for c in trust.intermediates if c.subject == current.issuer), None)
        if issuer is None or issuer in chain:
            break
        chain.append(issuer)
        current = issuer
    return chain


def timestamper() -> timestamps.TimeStamper | None:
    """An RFC 3161 time-stamp client when a TSA is configured (PAdES B-T), else None (B-B)."""
    url = getattr(settings, "SIGNING_TSA_URL", "")
    if not url:
        return None
    return timestamps.HTTPTimeStamper(url, timeout=getattr(settings, "SIGNING_TSA_TIMEOUT", 10))


class Signer(ABC):
    backend: ClassVar[str]
    interrupted: ClassVar[bool] = False

    @abstractmethod
    def certificate(self) -> asn1_x509.Certificate:
        """The signer's certificate."""

    def sign(self, pdf: bytes, spec: pdfsign.SignSpec) -> bytes:
        raise DomainError("Cách ký này cần chương trình ký trên máy người ký.")


class Pkcs12Signer(Signer):
    backend = Backend.PKCS12

    def __init__(self, data: bytes, passphrase: bytes | None) -> None:
        try:
            loaded = hanko_signers.SimpleSigner.load_pkcs12_data(
                data, passphrase=passphrase, other_certs=[]
            )
        except (ValueError, TypeError) as exc:
            # the library's English reason goes to the log, not to the person signing
            log.info("PKCS#12 not opened: %s", exc)
            raise DomainError(
                "Không mở được tệp khóa PKCS#12: sai mật khẩu hoặc tệp hỏng."
            ) from None
        if loaded is None or loaded.signing_cert is None:
            raise DomainError("Không mở được tệp khóa PKCS#12: sai mật khẩu hoặc tệp hỏng.")
        self._signer = loaded
        trust = load_trust()
        self._signer.cert_registry.register_multiple(chain_for(loaded.signing_cert, trust))

    @classmethod
    def from_path(cls, path: str, passphrase: bytes | None) -> Pkcs12Signer:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise DomainError(f"Không đọc được tệp khóa PKCS#12 “{path}” ({exc}).") from None
        return cls(data, passphrase)

    def certificate(self) -> asn1_x509.Certificate:
        assert self._signer.signing_cert is not None
        return self._signer.signing_cert

    def sign(self, pdf: bytes, spec: pdfsign.SignSpec) -> bytes:
        return pdfsign.sign_with(pdf, signer=self._signer, spec=spec, timestamper=timestamper())


def pkcs11_error_message(exc: Exception) -> str:
    """A Vietnamese message for what went wrong with a token (shared with the desk agent)."""
    import pkcs11.exceptions as p11

    if isinstance(exc, p11.PinIncorrect):
        return "Mã PIN không đúng. Chưa ký văn bản nào."
    if isinstance(exc, p11.PinLocked):
        return "Token đã bị khóa do nhập sai mã PIN nhiều lần."
    if isinstance(exc, p11.NoSuchToken):
        return "Không tìm thấy USB token. Hãy cắm token vào máy rồi thử lại."
    if isinstance(exc, p11.TokenNotPresent | p11.DeviceRemoved | p11.SessionClosed):
        return "Token đã bị rút ra trong khi ký. Hãy cắm lại token và ký lại."
    if isinstance(exc, p11.NoSuchKey):
        return "Không tìm thấy khóa ký trên token."
    text = str(exc)
    if text.startswith("No token"):  # pyHanko's wording when no slot holds the token
        return "Không tìm thấy USB token. Hãy cắm token vào máy rồi thử lại."
    if "private key" in text or "certificate" in text:
        return "Không tìm thấy khóa ký hoặc chứng thư trên token."
    return f"Token báo lỗi: {type(exc).__name__}."


class Pkcs11Signer(Signer):
    """A token or HSM attached to the server (the organisation's key held by the office)."""

    backend = Backend.PKCS11

    def __init__(self, *, module: str, token_label: str, key_label: str, pin: str) -> None:
        self.module = module
        self.token_label = token_label
        self.key_label = key_label
        self.pin = pin
        self._cert: asn1_x509.Certificate | None = None

    def _session(self):  # type: ignore[no-untyped-def]
        import pkcs11.exceptions as p11
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign import pkcs11 as hanko_p11

        try:
            return hanko_p11.open_pkcs11_session(
                self.module, token_criteria=TokenCriteria(label=self.token_label), user_pin=self.pin
            )
        except p11.PKCS11Error as exc:
            raise DomainError(pkcs11_error_message(exc)) from None
        except (OSError, RuntimeError) as exc:
            raise DomainError(f"Không nạp được thư viện PKCS#11 “{self.module}” ({exc}).") from None

    def _signer(self, session):  # type: ignore[no-untyped-def]
        import pkcs11.exceptions as p11
        from pyhanko.sign import pkcs11 as hanko_p11

        try:
            signer = hanko_p11.PKCS11Signer(
                session, cert_label=self.key_label, key_label=self.key_label
            )
            cert = signer.signing_cert
        except (p11.PKCS11Error, hanko_p11.PKCS11Error) as exc:  # type: ignore[attr-defined]
            raise DomainError(pkcs11_error_message(exc)) from None
        signer.cert_registry.register_multiple(chain_for(cert, load_trust()))
        return signer

    def certificate(self) -> asn1_x509.Certificate:
        if self._cert is None:
            session = self._session()
            try:
                self._cert = self._signer(session).signing_cert
            finally:
                session.close()
        assert self._cert is not None
        return self._cert

    def sign(self, pdf: bytes, spec: pdfsign.SignSpec) -> bytes:
        import pkcs11.exceptions as p11

        session = self._session()
        try:
            return pdfsign.sign_with(
                pdf, signer=self._signer(session), spec=spec, timestamper=timestamper()
            )
        except p11.PKCS11Error as exc:
            raise DomainError(pkcs11_error_message(exc)) from None
        finally:
            session.close()


class AgentSigner(Signer):
    """The signer's own token, through `vanphong-signer` on their PC."""

    backend = Backend.AGENT
    interrupted = True

    def __init__(self, cert: asn1_x509.Certificate) -> None:
        self._cert = cert
        self._chain = chain_for(cert, load_trust())

    def certificate(self) -> asn1_x509.Certificate:
        return self._cert

    def prepare(self, pdf: bytes, spec: pdfsign.SignSpec) -> pdfsign.Prepared:
        return pdfsign.prepare_external(
            pdf, cert=self._cert, chain=self._chain, spec=spec, timestamper=timestamper()
        )

    def complete(self, prepared: pdfsign.Prepared, signature: bytes) -> bytes:
        return pdfsign.complete_external(
            prepared,
            signature=signature,
            cert=self._cert,
            chain=self._chain,
            timestamper=timestamper(),
        )


def asks_secret(profile: SigningProfile | None) -> bool:
    """A key on the server whose passphrase/PIN the person types when signing (the profile names
    no environment variable holding it)."""
    return (
        profile is not None
        and profile.backend in (Backend.PKCS12, Backend.PKCS11)
        and not profile.secret_name
    )


def _secret(profile: SigningProfile, typed: str | None = None) -> str:
    if not profile.secret_name:
        if typed:
            return typed
        raise DomainError(
            "Hãy nhập mật khẩu tệp khóa PKCS#12 hoặc mã PIN của token để ký.", field="passphrase"
        )
    value = env_secret(profile.secret_name)
    if value is None:
        value = os.environ.get(profile.secret_name)
    if not value:
        raise DomainError(
            f"Máy chủ chưa được cấp mật khẩu/PIN (biến môi trường {profile.secret_name})."
        )
    return value


def signer_for_profile(
    profile: SigningProfile,
    agent_cert: asn1_x509.Certificate | None,
    secret: str | None = None,
) -> Signer:
    """The signer of a profile. `secret` is the passphrase/PIN typed by the person, used only
    when the profile names no environment variable for it."""
    if profile.backend == Backend.PKCS12:
        return Pkcs12Signer.from_path(profile.pkcs12_path, _secret(profile, secret).encode())
    if profile.backend == Backend.PKCS11:
        return Pkcs11Signer(
            module=profile.pkcs11_module or getattr(settings, "SIGNING_PKCS11_MODULE", ""),
            token_label=profile.token_label,
            key_label=profile.key_label,
            pin=_secret(profile, secret),
        )
    if agent_cert is None:
        raise DomainError(
            "Đồng chí chưa đăng ký chứng thư số. Hãy đăng ký chứng thư trước khi ký bằng token."
        )
    return AgentSigner(agent_cert)
