from django.urls import path

from vanphong.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("moi/", views.dropdown, name="dropdown"),
    path("da-doc/", views.mark_read, name="mark_read"),
    path("<int:pk>/mo/", views.open_notification, name="open"),
]
