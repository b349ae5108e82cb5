from django.apps import AppConfig


class DraftingConfig(AppConfig):
    name = "vanphong.drafting"
    label = "drafting"
    verbose_name = "Văn bản đi"

    def ready(self) -> None:
        from vanphong.drafting import policy_rules, tasks  # noqa: F401
