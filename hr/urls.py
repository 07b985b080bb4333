from django.urls import path

from . import views

app_name = "personnel"

urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("them-moi/", views.person_create, name="person_create"),
    path("<code:code>/", views.person_detail, name="person_detail"),
    path("<code:code>/chi-tieu/", views.person_indicators, name="person_indicators"),
    path("<code:code>/sua/", views.person_edit, name="person_edit"),
    path("<code:code>/chuyen-cong-tac/", views.person_transfer, name="person_transfer"),
    path("<code:code>/van-bang/them/", views.qualification_add, name="qualification_add"),
    path("<code:code>/van-bang/<int:pk>/sua/", views.qualification_edit, name="qualification_edit"),
    path("<code:code>/van-bang/<int:pk>/xoa/", views.qualification_delete, name="qualification_delete"),
    path("<code:code>/bo-nhiem/them/", views.appointment_add, name="appointment_add"),
    path("<code:code>/bo-nhiem/<int:pk>/sua/", views.appointment_edit, name="appointment_edit"),
    path("<code:code>/bo-nhiem/<int:pk>/xoa/", views.appointment_delete, name="appointment_delete"),
    path("<code:code>/dao-tao/them/", views.training_record_add, name="training_record_add"),
    path("<code:code>/dao-tao/<int:pk>/sua/", views.training_record_edit, name="training_record_edit"),
    path("<code:code>/dao-tao/<int:pk>/xoa/", views.training_record_delete, name="training_record_delete"),
]
