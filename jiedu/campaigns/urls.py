from django.urls import path

from jiedu.campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("", views.event_list, name="list"),
    path("events/new/", views.event_new, name="event_new"),
    path("events/<int:pk>/", views.event_detail, name="event"),
    path("events/<int:pk>/correct/", views.event_correct, name="event_correct"),
    path("events/<int:pk>/withdraw/", views.event_withdraw, name="event_withdraw"),
    path("events/<int:pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence"),
    path("evidence/<int:pk>/withdraw/", views.evidence_withdraw, name="evidence_withdraw"),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/new/", views.campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/correct/", views.campaign_correct, name="campaign_correct"),
    path("totals/", views.totals, name="totals"),
    path("totals/workbook/", views.totals_workbook, name="totals_workbook"),
    path("totals/csv/", views.totals_csv, name="totals_csv"),
]
