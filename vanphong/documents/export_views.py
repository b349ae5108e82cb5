from vanphong.documents.views import _todo as export_register  # noqa: F401
