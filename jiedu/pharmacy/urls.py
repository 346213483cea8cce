from django.urls import path

from jiedu.pharmacy import views

app_name = "pharmacy"
urlpatterns = [
    path("", views.stock, name="stock"),
    path("receive/", views.receive, name="receive"),
    path("transfer/", views.transfer, name="transfer"),
    path("waste/", views.waste, name="waste"),
    path("dayclose/", views.dayclose, name="dayclose"),
    path("dayclose/<int:pk>/", views.dayclose_detail, name="dayclose_detail"),
]
