from django.urls import path

from jiedu.inspections import views, views_findings, views_templates

app_name = "inspections"
urlpatterns = [
    path("", views.schedule, name="schedule"),
    path("mine/", views.mine, name="mine"),
    path("plan/", views.plan, name="plan"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/report.pdf", views.report, name="report"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/start/", views.start, name="start"),
    path("<int:pk>/conduct/", views.conduct, name="conduct"),
    path("<int:pk>/items/<int:item>/", views.score, name="score"),
    path("<int:pk>/items/<int:item>/evidence/", views.upload, name="upload"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("evidence/<int:pk>/", views.evidence, name="evidence"),
    path("conduct/evidence/<int:pk>/", views.conduct_evidence, name="conduct_evidence"),
    path("teams/", views.teams, name="teams"),
    path("teams/<int:pk>/", views.team, name="team"),
    path("findings/", views_findings.findings, name="findings"),
    path("findings/<int:pk>/", views_findings.finding, name="finding"),
    path("findings/<int:pk>/respond/", views_findings.respond, name="respond"),
    path("findings/<int:pk>/verify/", views_findings.verify, name="verify"),
    path("findings/<int:pk>/reject/", views_findings.reject, name="reject"),
    path("findings/<int:pk>/close/", views_findings.close, name="close"),
    path("board/", views_findings.board, name="board"),
    path("templates/", views_templates.templates, name="templates"),
    path("templates/new/", views_templates.template_new, name="template_new"),
    path("templates/<slug:code>/", views_templates.template, name="template"),
    path("templates/<slug:code>/draft/", views_templates.version_draft, name="version_draft"),
    path("versions/<int:pk>/", views_templates.version, name="version"),
    path("versions/<int:pk>/sections/", views_templates.section_add, name="section_add"),
    path("versions/<int:pk>/publish/", views_templates.version_publish, name="version_publish"),
    path("sections/<int:pk>/", views_templates.section_edit, name="section_edit"),
    path("sections/<int:pk>/items/", views_templates.item_add, name="item_add"),
    path("items/<int:pk>/", views_templates.item_edit, name="item_edit"),
]
