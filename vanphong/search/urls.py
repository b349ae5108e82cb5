from django.urls import path

from vanphong.search import views

app_name = "search"

urlpatterns = [
    path("", views.search_page, name="page"),
    path("luu/", views.save_search, name="save"),
    path("da-luu/<int:pk>/xoa/", views.delete_saved, name="delete_saved"),
]
