from django.urls import path

from vanphong.exchange import views

app_name = "exchange"

urlpatterns = [
    path("", views.pending, name="pending"),
    path("inbox/", views.inbox, name="inbox"),
    path("den/<int:pk>/", views.arrival_detail, name="arrival"),
    path("den/<int:pk>/tep/<int:file_pk>/", views.arrival_file, name="arrival_file"),
    path("den/<int:pk>/<slug:name>/", views.arrival_action, name="arrival_action"),
    path("danh-ba/", views.directory, name="directory"),
    path("danh-ba/xuat.json", views.directory_export, name="directory_export"),
    path("danh-ba/nhap/", views.directory_import, name="directory_import"),
    path("danh-ba/may-chu-nay.json", views.node_entries, name="node_entries"),
    path("danh-ba/chung-thu.pem", views.node_certificate, name="node_certificate"),
    path("danh-ba/<int:pk>/", views.directory, name="directory_edit"),
    path("danh-ba/<int:pk>/xoa/", views.directory_delete, name="directory_delete"),
    path("nhat-ky/", views.log, name="log"),
    path("nhat-ky/xuat.<slug:fmt>", views.log_export, name="log_export"),
    path("nhat-ky/<int:pk>/", views.message_detail, name="message"),
    path("nhat-ky/<int:pk>/goi-tin.edxml", views.message_body, name="message_body"),
    path("nhat-ky/<int:pk>/gui-lai/", views.message_retry, name="message_retry"),
    path("van-ban-di/<int:pk>/trang-thai/", views.outgoing_timeline, name="timeline"),
]
