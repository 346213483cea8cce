from django.urls import path

from jiedu.datasets import views

app_name = "datasets"
urlpatterns = [
    path("", views.submission_list, name="list"),
    path("entry/<slug:code>/<str:region>/<str:period>/", views.entry, name="entry"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/return/", views.return_, name="return"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
]
