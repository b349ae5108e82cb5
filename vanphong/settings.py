"""Settings for vanphong, all read from the environment (see docs/configuration.md)."""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from vanphong.env import env_bool, env_choice, env_int, env_list, env_secret, env_str

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VANPHONG_VAR_DIR", str(BASE_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

# "local": one machine, plain HTTP on 127.0.0.1 (make run).
# "production": behind a TLS reverse proxy; secure cookies, HSTS and an explicit secret key.
VANPHONG_ENV = env_choice("VANPHONG_ENV", "local", ("local", "production", "test"))
PRODUCTION = VANPHONG_ENV == "production"
DEBUG = env_bool("VANPHONG_DEBUG", False)


def _secret_key() -> str:
    key = env_secret("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured(
            "Thiếu SECRET_KEY: ở chế độ production phải đặt biến môi trường SECRET_KEY "
            "(hoặc SECRET_KEY_FILE) bằng một chuỗi ngẫu nhiên dài ít nhất 50 ký tự."
        )
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "bootstrap",
    "fontawesome",
    "huey.contrib.djhuey",
    "vanphong.core",
    "vanphong.files",
    "vanphong.numbering",
    "vanphong.documents",
    "vanphong.drafting",
    "vanphong.notifications",
    "vanphong.signing",
    "vanphong.search",
    "vanphong.archive",
    "vanphong.exchange",
    "vanphong.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "vanphong.core.middleware.LoginRequiredMiddleware",
    "vanphong.core.middleware.TwoFactorEnrolmentMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "vanphong.urls"
WSGI_APPLICATION = "vanphong.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "vanphong" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "vanphong.core.context_processors.shell",
            ],
        },
    }
]

# --- database ---------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    if not DATABASE_URL.startswith(("postgres://", "postgresql://", "sqlite:///")):
        raise ImproperlyConfigured(
            "DATABASE_URL không hợp lệ: chỉ hỗ trợ postgres://... hoặc sqlite:///..."
        )
    try:
        _db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    except ValueError:  # dj_database_url.ParseError included
        raise ImproperlyConfigured(
            "DATABASE_URL không hợp lệ: không phân tích được địa chỉ (kiểm tra cổng, ký tự đặc "
            "biệt trong mật khẩu cần mã hóa %XX)."
        ) from None
    if str(_db.get("NAME") or "") in ("", ":memory:"):
        raise ImproperlyConfigured(
            "DATABASE_URL không hợp lệ: thiếu tên cơ sở dữ liệu (postgres://.../ten_csdl) "
            "hoặc đường dẫn tệp SQLite (sqlite:////duong/dan/vanphong.sqlite3)."
        )
    if _db["ENGINE"].endswith("postgresql"):
        _db.setdefault("OPTIONS", {})
        _db["CONN_HEALTH_CHECKS"] = True
        _test_name = env_str("TEST_DATABASE_NAME", "")
        if _test_name:
            _db["TEST"] = {"NAME": _test_name}
    DATABASES = {"default": _db}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "vanphong.sqlite3"),
            # Kept open between requests and tasks, as with DATABASE_URL: a new connection runs
            # the PRAGMAs below and starts with an empty page cache every time.
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
        }
    }
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE: a write transaction takes the write lock at BEGIN, so counters and the
        # audit chain are serialised without "database is locked" upgrades mid-transaction.
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT_S", 30, minimum=1),
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA cache_size=-64000; PRAGMA temp_store=MEMORY;"
        ),
    }
    _test_file = env_str("TEST_DATABASE_NAME", "test")
    DATABASES["default"].setdefault("TEST", {"NAME": str(VAR_DIR / f"{_test_file}.sqlite3")})
DB_VENDOR = "postgresql" if DATABASES["default"]["ENGINE"].endswith("postgresql") else "sqlite"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- authentication ---------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
# Sessions signed in through the plain ModelBackend (before this backend) sign in again once.
AUTHENTICATION_BACKENDS = ["vanphong.core.backends.UserBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 10, minimum=6)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "core:login"
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_LOCK_MINUTES = env_int("LOGIN_LOCK_MINUTES", 15, minimum=1)
REQUIRE_ADMIN_TOTP = env_bool("REQUIRE_ADMIN_TOTP", False)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
API_TOKEN_PREFIX = "vp_"

# --- security ---------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# --- language and time ------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt")]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["vanphong.formats"]

# --- static and files -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "vanphong" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if VANPHONG_ENV != "test"
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = VANPHONG_ENV == "test"
# Tests: look static files up per request instead of scanning all of them for every test client.
WHITENOISE_AUTOREFRESH = VANPHONG_ENV == "test"
MEDIA_ROOT = VAR_DIR / "files"
# Blobs in an S3-compatible object store (MinIO, Ceph RGW...) when a bucket is named; else on
# local disk under MEDIA_ROOT (files.storage).
FILES_S3_BUCKET = env_str("FILES_S3_BUCKET", "")
FILES_S3_ENDPOINT_URL = env_str("FILES_S3_ENDPOINT_URL", "")
FILES_S3_ACCESS_KEY = env_secret("FILES_S3_ACCESS_KEY") or ""
FILES_S3_SECRET_KEY = env_secret("FILES_S3_SECRET_KEY") or ""
FILES_S3_REGION = env_str("FILES_S3_REGION", "us-east-1")
FILES_S3_PREFIX = env_str("FILES_S3_PREFIX", "")
if FILES_S3_PREFIX and not FILES_S3_PREFIX.endswith("/"):
    FILES_S3_PREFIX += "/"
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_MB", 50, minimum=1) * 1024 * 1024
# Digitisation batches (archive app): server folders may be imported only from under this root;
# uploaded ZIPs wait in the staging directory until their batch is done.
ARCHIVE_IMPORT_ROOT = env_str("ARCHIVE_IMPORT_ROOT", str(VAR_DIR / "so-hoa"))
ARCHIVE_STAGING_DIR = str(VAR_DIR / "archive-staging")
ARCHIVE_ZIP_MAX_BYTES = env_int("ARCHIVE_ZIP_MAX_GB", 20, minimum=1) * 1024**3

# Outgoing documents: DOCX -> PDF with LibreOffice headless (one profile per worker process).
SOFFICE_PATH = env_str("SOFFICE_PATH", "soffice")
CONVERT_TIMEOUT = env_int("CONVERT_TIMEOUT", 120, minimum=5)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = str(VAR_DIR / "tmp")
Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)

# --- domain configuration ---------------------------------------------------------------
# "connected": the node is on a network that reaches outward; secret documents keep only
# their register entry. "isolated": an isolated office LAN; full handling by clearance.
NETWORK_ZONE = env_choice("NETWORK_ZONE", "connected", ("connected", "isolated"))

# Text extraction and OCR (files app). OCR runs in the worker, one child process per file.
OCR_LANGUAGES = env_list("OCR_LANGUAGES", ["vie"])
OCR_JOBS = env_int("OCR_JOBS", 1, minimum=1)  # pages OCR'd in parallel per file
OCR_THREAD_LIMIT = env_int("OMP_THREAD_LIMIT", 1, minimum=1)  # Tesseract threads per page
OCR_TIMEOUT_SECONDS = env_int("OCR_TIMEOUT_SECONDS", 1800, minimum=10)
OCR_MAX_PIXELS = env_int("OCR_MAX_PIXELS", 100_000_000, minimum=1_000_000)  # per image/page
OCR_MIN_CHARS_PER_PAGE = 40  # less text than this in a PDF page: it is a scan, OCR it
DUE_SOON_DAYS = env_int("DUE_SOON_DAYS", 3, minimum=1)

# --- email ------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "vanphong@localhost")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.locmem.EmailBackend"
)
EMAIL_ENABLED = bool(EMAIL_HOST)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
# The address people open the system at, for links in emails (e.g. https://vanphong.tinhuy.vn).
SITE_URL = env_str("SITE_URL", "").rstrip("/")

# --- background worker ------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
_huey_immediate = VANPHONG_ENV == "test" or env_bool("HUEY_IMMEDIATE", False)
# SIGTERM (systemd, `vanphong serve`) and SIGINT both stop the worker gracefully: running tasks
# get WORKER_SHUTDOWN_TIMEOUT seconds to finish, then they are interrupted (an interrupted
# delivery gives its outbox lease back, see exchange/services/outbox.py). A second signal of the
# same kind stops at once.
WORKER_SHUTDOWN_TIMEOUT = env_int("WORKER_SHUTDOWN_TIMEOUT", 20, minimum=1)
# Worker processes started by `vanphong serve` (threads each: WORKER_THREADS); the first one runs
# the periodic jobs. More than one lets background work (exchange deliveries, OCR) use several CPUs.
WORKER_PROCESSES = env_int("WORKER_PROCESSES", 1, minimum=1)
_huey_consumer = {
    "workers": env_int("WORKER_THREADS", 2, minimum=1),
    "worker_type": "thread",
    "graceful_signal": "TERM",
    "shutdown_timeout": WORKER_SHUTDOWN_TIMEOUT,
    # An idle thread polls the SQLite queue with a growing pause (huey: up to 10 s); capped so
    # that a document issued in a quiet hour leaves within a quarter of a second, and its status
    # 01 comes back as fast (with 1 s, two such waits made one document in ten take 1.7 s). An
    # idle poll is one read of the queue file. Redis blocks instead of polling.
    "max_delay": env_int("WORKER_POLL_MAX_MS", 250, minimum=50) / 1000,
}
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": env_str("HUEY_NAME", "vanphong"),
        "url": REDIS_URL,
        "immediate": _huey_immediate,
        "results": False,  # nothing reads a task's return value: huey would keep each forever
        "utc": False,  # periodic crontabs (07:00 reminders) run on local time
        "consumer": _huey_consumer,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "vanphong",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": _huey_immediate,
        "results": False,  # nothing reads a task's return value: huey would keep each forever
        "utc": False,  # periodic crontabs (07:00 reminders) run on local time
        "consumer": _huey_consumer,
    }

# --- digital signatures -------------------------------------------------------------------
# Operators drop the CAs' CRL files here; the worker loads new ones every 15 minutes.
SIGNING_CRL_DIR = env_str("SIGNING_CRL_DIR", str(VAR_DIR / "crl"))
# RFC 3161 time-stamp server (PAdES B-T); empty: signatures are PAdES B-B.
SIGNING_TSA_URL = env_str("SIGNING_TSA_URL", "")
SIGNING_TSA_TIMEOUT = env_int("SIGNING_TSA_TIMEOUT", 10, minimum=1)
# Default PKCS#11 module for server-side tokens/HSMs (a signing profile may name another).
SIGNING_PKCS11_MODULE = env_str("SIGNING_PKCS11_MODULE", "")
SIGNING_EXPIRY_WARN_DAYS = env_int("SIGNING_EXPIRY_WARN_DAYS", 30, minimum=1)
# Where the signing page finds vanphong-signer on the signer's PC.
SIGNING_AGENT_URL = env_str("SIGNING_AGENT_URL", "http://127.0.0.1:8765")

# --- electronic exchange (liên thông edXML; docs/exchange.md) ------------------------------
EXCHANGE_KEY_FILE = env_str("EXCHANGE_KEY_FILE", str(VAR_DIR / "exchange" / "node.key"))
EXCHANGE_CERT_FILE = env_str("EXCHANGE_CERT_FILE", str(VAR_DIR / "exchange" / "node.crt"))
# The address other nodes reach this one at (its inbox is <base>/lien-thong/inbox/).
EXCHANGE_BASE_URL = env_str("EXCHANGE_BASE_URL", "").rstrip("/")
# A hub relays packages for organisations it does not serve but knows in its directory.
EXCHANGE_HUB = env_bool("EXCHANGE_HUB", False)
EXCHANGE_MAX_PACKAGE_BYTES = env_int("EXCHANGE_MAX_PACKAGE_MB", 80, minimum=1) * 1024 * 1024
EXCHANGE_TIMEOUT_SECONDS = env_int("EXCHANGE_TIMEOUT_SECONDS", 30, minimum=1)
# Due packages for the same inbox go in one request, up to this many and this size (1: one
# package per request; a peer that refuses a batch gets single packages anyway).
EXCHANGE_BATCH_SIZE = env_int("EXCHANGE_BATCH_SIZE", 20, minimum=1)
EXCHANGE_BATCH_MAX_BYTES = env_int("EXCHANGE_BATCH_MAX_MB", 16, minimum=1) * 1024 * 1024
EXCHANGE_RETRY_BASE_SECONDS = env_int("EXCHANGE_RETRY_BASE_SECONDS", 30, minimum=1)
EXCHANGE_RETRY_MAX_SECONDS = env_int("EXCHANGE_RETRY_MAX_SECONDS", 3600, minimum=1)
# CA bundle to check peers' HTTPS certificates (empty: the system's).
EXCHANGE_TLS_CA_FILE = env_str("EXCHANGE_TLS_CA_FILE", "")
# Package bodies older than this are deleted from the message log (hashes and metadata stay).
EXCHANGE_LOG_RETENTION_DAYS = env_int("EXCHANGE_LOG_RETENTION_DAYS", 1825, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "huey": {"level": "INFO", "propagate": False},
        # pyHanko logs every failed chain as a traceback; the outcome is stored and shown
        "pyhanko": {"level": "ERROR"},
        "pyhanko_certvalidator": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
    },
}
