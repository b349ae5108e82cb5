from django.urls import path

from vanphong.documents import export_views, views

app_name = "documents"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("so/", views.register_list, name="register_list"),
    path("vao-so/", views.create, name="create"),
    path("uy-quyen/", views.delegations, name="delegations"),
    path("co-quan-gui/tim/", views.sender_search, name="sender_search"),
    path("co-quan-gui/them/", views.sender_create, name="sender_create"),
    path("xuat/<slug:kind>.<slug:fmt>", export_views.export_register, name="export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/tep/<int:file_id>/", views.file_download, name="file_download"),
    path("<int:pk>/<slug:action>/", views.action, name="action"),
]
