from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "jiedu.api"
    label = "api"
