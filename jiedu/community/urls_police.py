from django.urls import path

from jiedu.community import views_police

app_name = "police"
urlpatterns = [
    path("evidence/", views_police.evidence_page, name="evidence"),
    path("evidence/export/", views_police.evidence_export, name="evidence_export"),
    path("review/", views_police.review, name="review"),
]
