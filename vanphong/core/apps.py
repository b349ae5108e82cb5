from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "vanphong.core"
    label = "core"
    verbose_name = "Tổ chức và người dùng"

    def ready(self) -> None:
        from vanphong.core import policy_rules, signals, tasks  # noqa: F401
