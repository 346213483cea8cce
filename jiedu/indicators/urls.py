from django.urls import path

from jiedu.indicators import views, views_exports

app_name = "indicators"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("dictionary/", views.dictionary, name="dictionary"),
    path("workbook.xlsx", views_exports.workbook, name="workbook"),
    path("indicators.csv", views_exports.csv_export, name="csv"),
    path("notification.pdf", views_exports.notification, name="notification"),
]
