from django.urls import path

from jiedu.bulletins import views

app_name = "bulletins"
urlpatterns = [
    path("", views.inbox, name="list"),
    path("issue/", views.issue, name="issue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>.pdf", views.pdf, name="pdf"),
]
