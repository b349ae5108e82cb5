from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "vanphong.exchange"
    label = "exchange"
    verbose_name = "Liên thông văn bản"

    def ready(self) -> None:
        from vanphong.documents.services.common import on_record
        from vanphong.exchange import hooks, policy_rules, tasks  # noqa: F401
        from vanphong.exchange.services.statuses import on_document_event

        on_record(on_document_event)
