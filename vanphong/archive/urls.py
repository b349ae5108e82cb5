from django.urls import path

from vanphong.archive import views

app_name = "archive"

urlpatterns = [
    path("", views.record_list, name="list"),
    path("<int:pk>/", views.record_detail, name="detail"),
    path("<int:pk>/tep/<int:file_id>/", views.file_download, {"kind": "file"}, name="file"),
    path("<int:pk>/tep/<int:file_id>/ocr/", views.file_download, {"kind": "ocr"}, name="ocr"),
    path("so-hoa/", views.batch_list, name="batches"),
    path("so-hoa/<int:pk>/", views.batch_detail, name="batch"),
    path("so-hoa/<int:pk>/tien-do/", views.batch_progress, name="progress"),
    path("so-hoa/<int:pk>/thu-lai/", views.batch_retry, name="retry"),
]
