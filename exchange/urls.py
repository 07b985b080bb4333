from django.urls import path

from . import views

app_name = "exchange"

urlpatterns = [
    path("", views.import_home, name="import_home"),
    path("lan-nhap/", views.batch_list, name="batch_list"),
    path("lan-nhap/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("lan-nhap/<int:pk>/tien-do/", views.batch_progress, name="batch_progress"),
    path("lan-nhap/<int:pk>/xac-nhan/", views.confirm, name="confirm"),
    path("lan-nhap/<int:pk>/huy/", views.cancel, name="cancel"),
    path("lan-nhap/<int:pk>/hoan-tac/", views.undo, name="undo"),
    path("lan-nhap/<int:pk>/dong-loi.xlsx", views.error_download, name="error_download"),
    path("mau/<str:kind>.<str:fmt>", views.template_download, name="template_download"),
    path("<str:kind>/", views.upload, name="upload"),
]
