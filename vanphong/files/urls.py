from django.urls import path

from vanphong.files import views

app_name = "files"

urlpatterns = [
    path("van-ban-den/<int:pk>/trich-xuat/", views.extraction, name="extraction"),
    path("van-ban-den/<int:pk>/pdfa/<int:file_id>/", views.searchable, name="searchable"),
]
