from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkforceConfig(AppConfig):
    name = "finegrid.workforce"
    verbose_name = _("培训、积分与考核")
