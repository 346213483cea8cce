from django.urls import path

from jiedu.community import views

app_name = "community"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("orders/new/", views.order_new, name="new"),
    path("orders/<int:pk>/", views.order_detail, name="detail"),
    path("orders/<int:pk>/checkin/", views.checkin, name="checkin"),
    path("orders/<int:pk>/reported/", views.reported, name="reported"),
    path("orders/<int:pk>/end/", views.end, name="end"),
    path("attendance/", views.attendance, name="attendance"),
]
