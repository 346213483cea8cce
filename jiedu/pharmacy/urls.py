from django.urls import path

from jiedu.pharmacy import views, views_books

app_name = "pharmacy"
urlpatterns = [
    path("", views.stock, name="stock"),
    path("receive/", views.receive, name="receive"),
    path("transfer/", views.transfer, name="transfer"),
    path("waste/", views.waste, name="waste"),
    path("dayclose/", views.dayclose, name="dayclose"),
    path("dayclose/<int:pk>/", views.dayclose_detail, name="dayclose_detail"),
    path("issue/", views.issue, name="issue"),
    path("loss/", views.loss, name="loss"),
    path("statement/", views_books.statement, name="statement"),
    path("register/", views_books.register, name="register"),
    path("alerts/", views_books.alerts, name="alerts"),
    path("variances/", views_books.variances, name="variances"),
    path("variances/<int:pk>/", views_books.variance_detail, name="variance_detail"),
]
