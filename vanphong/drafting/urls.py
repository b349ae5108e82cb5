from django.urls import path

from vanphong.drafting import views

app_name = "drafting"

urlpatterns = [
    path("", views.outgoing_list, name="list"),
    path("soan-thao/", views.create, name="create"),
    path("mau/", views.templates, name="templates"),
    path("xuat/so-van-ban-di.<slug:fmt>", views.export_register, name="export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/phien-ban/<int:number>/", views.version_download, name="version"),
    path("<int:pk>/ban-cuoi.<slug:fmt>", views.final_download, name="final"),
    path("<int:pk>/ky-so/hoan-tat/", views.sign_complete, name="sign_complete"),
    path("<int:pk>/<slug:name>/", views.action, name="action"),
]
