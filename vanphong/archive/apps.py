from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "vanphong.archive"
    label = "archive"
    verbose_name = "Lưu trữ"

    def ready(self) -> None:
        from vanphong.archive import policy_rules, tasks  # noqa: F401
