app_name = "capability"
urlpatterns: list = []
