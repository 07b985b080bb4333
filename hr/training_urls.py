from django.urls import path

from . import training_views as views

app_name = "training"

urlpatterns = [
    path("", views.course_list, name="course_list"),
    path("khoa-hoc/them-moi/", views.course_create, name="course_create"),
    path("khoa-hoc/<code:code>/", views.course_detail, name="course_detail"),
    path("khoa-hoc/<code:code>/sua/", views.course_edit, name="course_edit"),
    path("ghi-ket-qua-ca-lop/", views.record_class_view, name="record_class"),
    path("tim-can-bo/", views.person_search, name="person_search"),
]
