from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "vanphong.notifications"
    label = "notifications"
    verbose_name = "Thông báo"

    def ready(self) -> None:
        from vanphong.core.nav import register_counts
        from vanphong.notifications.selectors import unread_count

        register_counts(lambda user: {"notifications": unread_count(user)})
