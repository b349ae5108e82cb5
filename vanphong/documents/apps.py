from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "vanphong.documents"
    label = "documents"
    verbose_name = "Văn bản đến"

    def ready(self) -> None:
        from vanphong.documents import catalog, hooks, policy_rules, tasks  # noqa: F401

        catalog.connect()
