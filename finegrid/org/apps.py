from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "finegrid.org"
    verbose_name = _("党组织与网格员")
