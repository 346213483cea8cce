from django.urls import path

from jiedu.rehab import views

app_name = "rehab"
urlpatterns = [
    path("", views.admission_list, name="list"),
    path("admit/", views.admission_admit, name="admit"),
    path("<int:pk>/", views.admission_detail, name="detail"),
    path("<int:pk>/notes/", views.admission_note, name="note"),
    path("<int:pk>/discharge/", views.admission_discharge, name="discharge"),
    path("<int:pk>/agreement.pdf", views.agreement_pdf, name="agreement"),
]
