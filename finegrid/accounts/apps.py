from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "finegrid.accounts"
    verbose_name = _("用户与审计")
