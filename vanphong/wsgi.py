"""The WSGI application (gunicorn: `vanphong.wsgi:application`).

The URL configuration is loaded here, at start-up, rather than on the first request: it imports
every view and the API's routers (about a second of CPU). With gunicorn's `--preload`, as
`vanphong serve` runs it, that happens once in the master and every worker process starts
warm; otherwise each worker paid it on its first request, while that request and the ones queued
behind it waited. The same goes for what requests load on first use (`core.warm`).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vanphong.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    from django.db import connections
    from django.urls import get_resolver

    from vanphong.core.warm import warm_up

    get_resolver().url_patterns  # noqa: B018 (the property imports the URL modules)
    warm_up()
    # Nothing above should have opened a database connection; if a module did, it must not be
    # inherited by the forked workers.
    connections.close_all()


_warm_up()
