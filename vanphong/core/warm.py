"""Work a process would otherwise do on its first request or task, done when it starts.

Each web process (gunicorn, after `vanphong.wsgi` is preloaded) and each worker process paid
these on first use, in the middle of the first burst of work: the database's SQL compiler module,
the message storage, pikepdf (the type check of uploads and exchange attachments), httpx's
transport and the trusted certificates (exchange deliveries), and the node's key (receipts and
status packages are signed with it; loading an RSA key checks it, tens of ms). Measured with
py-spy over a 300-document exchange burst: about 15 % of a worker's and 5 % of a web process's
samples were such imports and loads.
"""

from __future__ import annotations

from importlib import import_module


def warm_up() -> None:
    """Import and load what requests and tasks use; opens no database connection."""
    from django.conf import settings
    from django.db import connection
    from django.utils.module_loading import import_string

    import_module(connection.ops.compiler_module)
    import_string(settings.MESSAGE_STORAGE)
    import_module("pikepdf")
    import_module("httpcore")
    from vanphong.exchange.transport import tls_context

    tls_context(settings.EXCHANGE_TLS_CA_FILE)
    _load_node_key()


def _load_node_key() -> None:
    """The node's key, if it has one (a node without one creates it on first use, not here)."""
    from vanphong.exchange import node
    from vanphong.exchange.edxml import dsig

    if node.key_path().exists() and node.cert_path().exists():
        key_pem = node.identity().key_pem
        node.private_key(key_pem)
        dsig.load_key(key_pem)
