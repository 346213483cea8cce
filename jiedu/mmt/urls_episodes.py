from django.urls import path

from jiedu.mmt import views_episodes as views

app_name = "episodes"
urlpatterns = [
    path("", views.episode_list, name="list"),
    path("apply/", views.episode_apply, name="apply"),
    path("<int:pk>/", views.episode_detail, name="detail"),
    path("<int:pk>/assess/", views.episode_assess, name="assess"),
    path("<int:pk>/accept/", views.episode_accept, name="accept"),
    path("<int:pk>/refuse/", views.episode_refuse, name="refuse"),
    path("<int:pk>/suspend/", views.episode_suspend, name="suspend"),
    path("<int:pk>/resume/", views.episode_resume, name="resume"),
    path("<int:pk>/exit/", views.episode_exit, name="exit"),
    path("<int:pk>/transfer/", views.episode_transfer, name="transfer"),
    path("<int:pk>/guest/", views.episode_guest, name="guest"),
    path("<int:pk>/order/", views.episode_order, name="order"),
    path("transfers/<int:pk>/accept/", views.transfer_accept, name="transfer_accept"),
    path("transfers/<int:pk>/decline/", views.transfer_decline, name="transfer_decline"),
    path("person/<int:person_id>/", views.person_record, name="record"),
]
