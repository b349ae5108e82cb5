from django.urls import path

from vanphong.signing import views

app_name = "signing"

urlpatterns = [
    path("", views.check, name="check"),
    path("ky/", views.sign, name="sign"),
    path("ky/hoan-tat/", views.agent_complete, name="agent_complete"),
    path("ky/<str:sha>/", views.signed, name="signed"),
    path("ky/<str:sha>/tai-ve/", views.download, name="download"),
    path("chung-thu-goc/", views.trust, name="trust"),
    path("chung-thu-goc/<int:pk>/bat-tat/", views.ca_toggle, name="ca_toggle"),
    path(
        "chung-thu-goc/khoa-co-quan/<int:pk>/doc-lai/",
        views.organisation_key_refresh,
        name="organisation_key_refresh",
    ),
    path("chung-thu-cua-toi/", views.certificates, name="certificates"),
    path("chung-thu-cua-toi/tu-chuong-trinh-ky/", views.certificate_from_agent, name="from_agent"),
    path(
        "chung-thu-cua-toi/<int:pk>/ngung/",
        views.certificate_deactivate,
        name="certificate_deactivate",
    ),
]
