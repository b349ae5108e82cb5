"""The WSGI application (gunicorn: `vanphong.wsgi:application`).

The URL configuration is loaded here, at start-up, rather than on the first request: it imports
every view and the API's routers (about a second of CPU). With gunicorn's `--preload`, as
`vanphong serve` runs it, that happens once in the master and every worker process starts
warm; otherwise each worker paid it on its first request, while that request and the ones queued
behind it waited. The same goes for the modules that requests import on first use (the message
storage, pypdf for the type check of uploads and exchange attachments) and for the node's key,
which the exchange's receipts and status packages are signed with (checking an RSA key when it is
loaded takes tens of ms).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vanphong.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    from django.conf import settings
    from django.db import connections
    from django.urls import get_resolver
    from django.utils.module_loading import import_string

    get_resolver().url_patterns  # noqa: B018 (the property imports the URL modules)
    import_string(settings.MESSAGE_STORAGE)
    import pypdf  # noqa: F401

    _load_node_key()
    # Nothing above should have opened a database connection; if a module did, it must not be
    # inherited by the forked workers.
    connections.close_all()


def _load_node_key() -> None:
    """The node's key, if it has one (a node without one creates it on first use, not here)."""
    from vanphong.exchange import node
    from vanphong.exchange.edxml import dsig

    if node.key_path().exists() and node.cert_path().exists():
        key_pem = node.identity().key_pem
        node.private_key(key_pem)
        dsig.load_key(key_pem)


_warm_up()
