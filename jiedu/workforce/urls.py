from django.urls import path

from jiedu.workforce import views

app_name = "workforce"
urlpatterns = [
    path("", views.staff_list, name="staff_list"),
    path("export/", views.staff_export, name="staff_export"),
    path("organisations/<int:pk>/register/", views.staff_register, name="register"),
    path("<int:pk>/", views.staff_detail, name="staff"),
    path("<int:pk>/correct/", views.staff_correct, name="correct"),
    path("<int:pk>/leave/", views.staff_leave, name="leave"),
    path("<int:pk>/placement/", views.placement_add, name="placement"),
    path("turnover/", views.turnover, name="turnover"),
    path("screening/", views.screening, name="screening"),
    path("screening/export/", views.screening_export, name="screening_export"),
    path("training/", views.courses, name="courses"),
    path("training/new/", views.course_add, name="course_add"),
    path("training/<int:pk>/", views.course_detail, name="course"),
]
