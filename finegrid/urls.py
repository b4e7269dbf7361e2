"""Top-level URL map."""

urlpatterns: list = []
