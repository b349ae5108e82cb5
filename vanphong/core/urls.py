from django.urls import path

from vanphong.core import views

app_name = "core"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("dang-nhap/", views.signin, name="login"),
    path("dang-nhap/xac-thuc/", views.signin_totp, name="signin_totp"),
    path("dang-xuat/", views.signout, name="logout"),
    path("tai-khoan/", views.account, name="account"),
    path("tai-khoan/xac-thuc-hai-lop/", views.totp_setup, name="totp_setup"),
    path("tai-khoan/ma-truy-cap/<int:pk>/thu-hoi/", views.token_revoke, name="token_revoke"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("phan-he/<slug:key>/", views.module_page, name="module"),
]
