from django.urls import path

from jiedu.labs import views

app_name = "labs"
urlpatterns = [
    path("", views.today, name="today"),
    path("record/", views.record, name="record"),
    path("tests/<int:pk>/result/", views.result, name="result"),
]
