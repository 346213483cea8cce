from django.urls import path

from jiedu.evaluation import views

app_name = "evaluation"
urlpatterns = [
    path("", views.evaluation_list, name="list"),
    path("compute/", views.evaluation_compute, name="compute"),
    path("schemes/<int:pk>/", views.scheme_detail, name="scheme"),
    path("<int:pk>/", views.evaluation_detail, name="detail"),
    path("<int:pk>/publish/", views.evaluation_publish, name="publish"),
    path("<int:pk>/withdraw/", views.evaluation_withdraw, name="withdraw"),
    path("<int:pk>/workbook/", views.evaluation_workbook, name="workbook"),
    path("<int:pk>/report/", views.evaluation_report, name="report"),
]
