"""vanphong-signer: the desk signing agent. It runs on the signer's PC, listens only on
127.0.0.1, answers only the vanphong server it was paired with (Origin check and a shared secret)
and signs the to-be-signed attributes with the USB token through PKCS#11. The PIN is typed here
(or given in VANPHONG_SIGNER_PIN); the server never sees it.

    vanphong-signer pair --server https://vanphong.tinhuy.vn --code <mã ghép nối>
    vanphong-signer serve --module /usr/lib/<hãng>/libpkcs11.so [--token-label NHAN] [--port 8765]
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import hashlib
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from vanphong_signer import protocol

DEFAULT_PORT = 8765
MAX_BODY = 64 * 1024
VERSION = "1.0"


def default_config() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "vanphong-signer" / "pairing.json"


def load_pairing(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {"origin": protocol.normalise_origin(data["origin"]), "secret": data["secret"]}
    except (OSError, ValueError, KeyError) as exc:
        raise SystemExit(
            f"Chưa ghép nối với máy chủ ({exc}). Chạy: vanphong-signer pair --server ... --code ..."
        ) from None


def pair(server: str, code: str, path: Path) -> None:
    origin = protocol.normalise_origin(server)
    secret = code.strip().lower()
    bytes.fromhex(secret)  # a pairing code is hex; ValueError otherwise
    if len(secret) != protocol.SECRET_BYTES * 2:
        raise ValueError("pairing code has the wrong length")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"origin": origin, "secret": secret}), encoding="utf-8")
    os.chmod(tmp, 0o600)
    tmp.replace(path)


class TokenError(Exception):
    """A failure to show to the person, in Vietnamese."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def token_message(exc: Exception) -> str:
    import pkcs11.exceptions as p11

    if isinstance(exc, p11.PinIncorrect):
        return "Mã PIN không đúng. Chưa ký văn bản nào."
    if isinstance(exc, p11.PinLocked):
        return "Token đã bị khóa do nhập sai mã PIN nhiều lần."
    if isinstance(exc, p11.NoSuchToken):
        return "Không tìm thấy USB token. Hãy cắm token vào máy rồi thử lại."
    if isinstance(exc, p11.TokenNotPresent | p11.DeviceRemoved | p11.SessionClosed):
        return "Token đã bị rút ra trong khi ký. Hãy cắm lại token và ký lại."
    return f"Token báo lỗi: {type(exc).__name__}."


class Token:
    """The PKCS#11 module; the token is looked up again for every request (it may be
    unplugged or replaced in between)."""

    def __init__(self, module: str, label: str | None) -> None:
        import pkcs11

        self.label = label
        self._lib = pkcs11.lib(module)
        self._lock = threading.Lock()

    def _token(self) -> Any:
        import pkcs11.exceptions as p11

        with contextlib.suppress(p11.PKCS11Error):  # see tokens plugged in since the last call
            self._lib.reinitialize()
        try:
            if self.label:
                return self._lib.get_token(token_label=self.label)
            tokens = [s.get_token() for s in self._lib.get_slots(token_present=True)]
        except p11.PKCS11Error as exc:
            raise TokenError(token_message(exc)) from None
        if not tokens:
            raise TokenError(token_message(p11.NoSuchToken()))
        return tokens[0]

    def certificates(self) -> list[bytes]:
        import pkcs11.exceptions as p11
        from pkcs11 import Attribute, ObjectClass

        with self._lock:
            token = self._token()
            try:
                with token.open() as session:
                    return [
                        bytes(obj[Attribute.VALUE])
                        for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})
                    ]
            except p11.PKCS11Error as exc:
                raise TokenError(token_message(exc)) from None

    def sign(self, data: bytes, cert_sha256: str, pin: str) -> tuple[bytes, bytes]:
        """Sign with the key whose certificate has this fingerprint; (signature, cert DER)."""
        import pkcs11.exceptions as p11
        from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
        from pkcs11.util.ec import encode_ecdsa_signature

        with self._lock:
            token = self._token()
            try:
                with token.open(user_pin=pin) as session:
                    for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
                        der = bytes(obj[Attribute.VALUE])
                        if hashlib.sha256(der).hexdigest() == cert_sha256:
                            break
                    else:
                        raise TokenError(
                            "Token đang cắm không chứa chứng thư đã đăng ký trên máy chủ."
                        )
                    key = session.get_key(
                        object_class=ObjectClass.PRIVATE_KEY, id=obj[Attribute.ID]
                    )
                    if key.key_type == KeyType.EC:
                        raw = key.sign(data, mechanism=Mechanism.ECDSA_SHA256)
                        return encode_ecdsa_signature(raw), der
                    return key.sign(data, mechanism=Mechanism.SHA256_RSA_PKCS), der
            except p11.PKCS11Error as exc:
                raise TokenError(token_message(exc)) from None


class PinSource:
    """VANPHONG_SIGNER_PIN, or one line from stdin per signature (--pin-stdin), or a prompt."""

    def __init__(self, from_stdin: bool) -> None:
        self.from_stdin = from_stdin
        self._lock = threading.Lock()

    def get(self, signer: str) -> str:
        env = os.environ.get("VANPHONG_SIGNER_PIN")
        if env:
            return env
        with self._lock:
            if self.from_stdin:
                print(f"Nhập mã PIN để ký cho {signer}:", file=sys.stderr, flush=True)
                line = sys.stdin.readline()
                if not line:
                    raise TokenError("Chưa nhập mã PIN. Chưa ký văn bản nào.")
                return line.rstrip("\r\n")
            return getpass.getpass(f"Mã PIN token (ký cho {signer}): ")


class Agent:
    def __init__(self, pairing: dict[str, str], token: Token, pins: PinSource) -> None:
        self.origin = pairing["origin"]
        self.secret = pairing["secret"]
        self.token = token
        self.pins = pins

    def handle_sign(self, body: dict[str, Any]) -> dict[str, Any]:
        try:
            request_id = str(body["request_id"])
            data = protocol.b64d(str(body["data"]))
            cert_sha256 = str(body["cert_sha256"])
            mac = str(body["mac"])
        except (KeyError, ValueError) as exc:
            raise TokenError(f"Yêu cầu ký không đúng định dạng ({exc}).", 400) from None
        expected = protocol.request_mac(
            self.secret, request_id=request_id, data=data, cert_sha256=cert_sha256
        )
        if not protocol.same(mac, expected):
            raise TokenError("Yêu cầu ký không đến từ máy chủ đã ghép nối.", 403)
        pin = self.pins.get(str(body.get("signer", "")))
        signature, cert = self.token.sign(data, cert_sha256, pin)
        return {
            "request_id": request_id,
            "signature": protocol.b64e(signature),
            "certificate": protocol.b64e(cert),
            "mac": protocol.response_mac(self.secret, request_id=request_id, signature=signature),
        }


def make_handler(agent: Agent, port_ref: list[int]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = f"vanphong-signer/{VERSION}"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            print(f"{self.address_string()} {format % args}", file=sys.stderr, flush=True)

        def _cors(self) -> None:
            self.send_header("Access-Control-Allow-Origin", agent.origin)
            self.send_header("Vary", "Origin")
            self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
            self.send_header("Access-Control-Allow-Headers", "Content-Type")
            self.send_header("Access-Control-Allow-Private-Network", "true")

        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            if status != 403 or payload.get("cors", True):
                self._cors()
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _allowed(self) -> bool:
            host = (self.headers.get("Host") or "").lower()
            if host not in (f"127.0.0.1:{port_ref[0]}", f"localhost:{port_ref[0]}"):
                self._reply(403, {"error": "Sai địa chỉ chương trình ký.", "cors": False})
                return False
            origin = self.headers.get("Origin") or ""
            try:
                ok = protocol.normalise_origin(origin) == agent.origin
            except ValueError:
                ok = False
            if not ok:
                self._reply(
                    403,
                    {"error": "Chương trình ký chỉ phục vụ máy chủ đã ghép nối.", "cors": False},
                )
            return ok

        def do_OPTIONS(self) -> None:  # noqa: N802
            if self._allowed():
                self.send_response(204)
                self._cors()
                self.send_header("Content-Length", "0")
                self.end_headers()

        def do_GET(self) -> None:  # noqa: N802
            if not self._allowed():
                return
            if self.path == "/status":
                self._reply(200, {"version": VERSION, "server": agent.origin})
            elif self.path == "/certificates":
                try:
                    certs = agent.token.certificates()
                except TokenError as exc:
                    self._reply(exc.status, {"error": exc.message})
                    return
                self._reply(200, {"certificates": [protocol.b64e(c) for c in certs]})
            else:
                self._reply(404, {"error": "Không có chức năng này."})

        def do_POST(self) -> None:  # noqa: N802
            if not self._allowed():
                return
            if self.path != "/sign":
                self._reply(404, {"error": "Không có chức năng này."})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length <= 0 or length > MAX_BODY:
                self._reply(400, {"error": "Yêu cầu ký không hợp lệ."})
                return
            try:
                body = json.loads(self.rfile.read(length))
                self._reply(200, agent.handle_sign(body))
            except json.JSONDecodeError:
                self._reply(400, {"error": "Yêu cầu ký không hợp lệ."})
            except TokenError as exc:
                self._reply(exc.status, {"error": exc.message})

    return Handler


def serve(args: argparse.Namespace) -> int:
    pairing = load_pairing(Path(args.config))
    token = Token(args.module, args.token_label)
    agent = Agent(pairing, token, PinSource(args.pin_stdin))
    port_ref = [args.port]
    httpd = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(agent, port_ref))
    port_ref[0] = httpd.server_address[1]
    print(
        f"vanphong-signer đang chạy tại http://127.0.0.1:{port_ref[0]} cho {agent.origin}",
        flush=True,
    )
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vanphong-signer", description=__doc__.split("\n")[0])
    parser.add_argument("--config", default=str(default_config()), help="tệp lưu ghép nối")
    sub = parser.add_subparsers(dest="command", required=True)
    p_pair = sub.add_parser("pair", help="ghép nối với máy chủ vanphong")
    p_pair.add_argument("--server", required=True, help="địa chỉ máy chủ, ví dụ https://vp.tu.vn")
    p_pair.add_argument("--code", required=True, help="mã ghép nối hiện trên trang Chứng thư số")
    p_serve = sub.add_parser("serve", help="chạy chương trình ký")
    p_serve.add_argument("--module", required=True, help="thư viện PKCS#11 của token")
    p_serve.add_argument("--token-label", default=None, help="nhãn token (mặc định: token đầu)")
    p_serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    p_serve.add_argument("--pin-stdin", action="store_true", help="đọc mã PIN từ stdin")
    args = parser.parse_args(argv)
    if args.command == "pair":
        try:
            pair(args.server, args.code, Path(args.config))
        except ValueError as exc:
            print(f"Mã ghép nối hoặc địa chỉ máy chủ không hợp lệ ({exc}).", file=sys.stderr)
            return 2
        print(f"Đã ghép nối với {protocol.normalise_origin(args.server)}.")
        return 0
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
