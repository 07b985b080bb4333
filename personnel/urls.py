from django.urls import path

from . import views

app_name = "personnel"

urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("them-moi/", views.person_create, name="person_create"),
    path("<str:code>/", views.person_detail, name="person_detail"),
    path("<str:code>/chi-tieu/", views.person_indicators, name="person_indicators"),
    path("<str:code>/sua/", views.person_edit, name="person_edit"),
    path("<str:code>/chuyen-cong-tac/", views.person_transfer, name="person_transfer"),
    path("<str:code>/van-bang/them/", views.qualification_add, name="qualification_add"),
    path("<str:code>/van-bang/<int:pk>/sua/", views.qualification_edit, name="qualification_edit"),
    path("<str:code>/van-bang/<int:pk>/xoa/", views.qualification_delete, name="qualification_delete"),
    path("<str:code>/bo-nhiem/them/", views.appointment_add, name="appointment_add"),
    path("<str:code>/bo-nhiem/<int:pk>/sua/", views.appointment_edit, name="appointment_edit"),
    path("<str:code>/bo-nhiem/<int:pk>/xoa/", views.appointment_delete, name="appointment_delete"),
    path("<str:code>/dao-tao/them/", views.training_record_add, name="training_record_add"),
    path("<str:code>/dao-tao/<int:pk>/sua/", views.training_record_edit, name="training_record_edit"),
    path("<str:code>/dao-tao/<int:pk>/xoa/", views.training_record_delete, name="training_record_delete"),
]
