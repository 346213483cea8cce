from django.urls import path

from jiedu.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("sent/", views.sent, name="sent"),
    path("escalations/", views.escalations, name="escalations"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
]
