from django.urls import path

from jiedu.mmt import views_window

app_name = "mmt"
urlpatterns = [
    path("window/", views_window.window, name="window"),
    path("window/lookup/", views_window.window_lookup, name="lookup"),
    path("window/lists/", views_window.window_lists, name="window_lists"),
    path("window/dose/", views_window.dose, name="dose"),
    path("window/refuse/", views_window.refuse, name="refuse"),
    path("daysheet/", views_window.daysheet, name="daysheet"),
]
