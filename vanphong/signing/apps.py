from django.apps import AppConfig


class SigningConfig(AppConfig):
    name = "vanphong.signing"
    label = "signing"
    verbose_name = "Ký số"

    def ready(self) -> None:
        from vanphong.signing import policy_rules, tasks  # noqa: F401
