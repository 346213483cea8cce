from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "jiedu.demo"
    label = "demo"
