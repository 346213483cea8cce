from django.urls import path

from jiedu.patients import views

app_name = "patients"
urlpatterns = [
    path("", views.person_list, name="list"),
    path("register/", views.person_register, name="register"),
    path("export.csv", views.person_export, name="export"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/edit/", views.person_update, name="update"),
    path("<int:pk>/unmask/", views.person_unmask, name="unmask"),
    path("<int:pk>/photo.jpg", views.person_photo, name="photo"),
]
