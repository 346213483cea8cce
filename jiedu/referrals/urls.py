from django.urls import path

from jiedu.referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.make, name="make"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<str:step>/", views.act, name="act"),
]
