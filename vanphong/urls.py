from django.contrib import admin
from django.urls import include, path

from vanphong.api.api import api
from vanphong.core.views import admin_login

admin.site.site_header = "Quản trị vanphong"
admin.site.site_title = "Quản trị vanphong"
admin.site.index_title = "Danh mục dùng chung"

urlpatterns = [
    path("quan-tri/login/", admin_login),  # before the admin's own sign-in page
    path("quan-tri/", admin.site.urls),
    path("api/v1/", api.urls),
    path("van-ban-den/", include("vanphong.documents.urls")),
    path("van-ban-di/", include("vanphong.drafting.urls")),
    path("thong-bao/", include("vanphong.notifications.urls")),
    path("ky-so/", include("vanphong.signing.urls")),
    path("tim-kiem/", include("vanphong.search.urls")),
    path("tep/", include("vanphong.files.urls")),
    path("luu-tru/", include("vanphong.archive.urls")),
    path("lien-thong/", include("vanphong.exchange.urls")),
    path("", include("vanphong.core.urls")),
]
