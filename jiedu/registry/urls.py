from django.urls import path

from jiedu.registry import views

app_name = "registry"
urlpatterns = [
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation"),
]
