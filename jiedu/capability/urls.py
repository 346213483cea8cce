from django.urls import path

from jiedu.capability import views

app_name = "capability"
urlpatterns = [
    path("", views.units, name="units"),
    path("rollup/", views.rollup, name="rollup"),
    path("rollup/export/", views.rollup_export, name="rollup_export"),
    path("frameworks/<slug:code>/", views.framework, name="framework"),
    path("rules/<int:pk>/file/", views.rule_file, name="rule_file"),
    path("assessments/<int:pk>/", views.assessment, name="assessment"),
    path("<int:pk>/", views.unit, name="unit"),
    path("<int:pk>/assess/", views.assess, name="assess"),
    path("<int:pk>/gaps/", views.gaps, name="gaps"),
]
