from django.apps import AppConfig


class NumberingConfig(AppConfig):
    name = "vanphong.numbering"
    label = "numbering"
    verbose_name = "Sổ và số văn bản"
