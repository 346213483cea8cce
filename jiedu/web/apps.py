from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "jiedu.web"
    label = "web"
