from django.urls import path

from . import reorg_views as views

app_name = "reorg"

urlpatterns = [
    path("", views.reorganisation_list, name="list"),
    path("moi/", views.reorganisation_new, name="new"),
    path("<int:pk>/", views.reorganisation_detail, name="detail"),
    path("<int:pk>/ap-dung/", views.reorganisation_apply, name="apply"),
    path("<int:pk>/hoan-tac/", views.reorganisation_undo, name="undo"),
]
