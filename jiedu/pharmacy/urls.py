from django.urls import path

from jiedu.pharmacy import views, views_books, views_custody, views_rx

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
    path("custody/", views_custody.custody, name="custody"),
    path("seal-cards/<int:pk>/use/", views_custody.seal_card_use, name="seal_card_use"),
    path("prescriptions/", views_rx.rx_list, name="rx_list"),
    path("prescriptions/write/", views_rx.rx_write, name="rx_write"),
    path("prescriptions/<int:pk>/", views_rx.rx_detail, name="rx_detail"),
    path("prescriptions/rights/", views_rx.rx_rights, name="rx_rights"),
    path("prescriptions/destroy/", views_rx.rx_destroy, name="rx_destroy"),
]
