from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "finegrid.campaigns"
    verbose_name = _("入户动员")
    default_auto_field = "django.db.models.BigAutoField"
