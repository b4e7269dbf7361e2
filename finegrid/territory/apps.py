from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TerritoryConfig(AppConfig):
    name = "finegrid.territory"
    verbose_name = _("行政区划与网格")
