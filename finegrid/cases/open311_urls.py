from django.urls import re_path

from finegrid.cases import open311

FMT = r"\.(?P<fmt>\w+)$"

urlpatterns = [
    re_path(r"^services" + FMT, open311.services, name="open311-services"),
    re_path(
        r"^services/(?P<code>[\w-]+)" + FMT, open311.service_definition, name="open311-service"
    ),
    re_path(r"^requests" + FMT, open311.requests_, name="open311-requests"),
    re_path(r"^requests/(?P<ref>[\w-]+)" + FMT, open311.request_detail, name="open311-request"),
    re_path(r"^media/(?P<signed>[\w:-]+)$", open311.media, name="open311-media"),
    re_path(r"^tokens/(?P<ref>[\w-]+)" + FMT, open311.token, name="open311-token"),
]
