from django.contrib.auth import views as auth_views
from django.urls import path

from finegrid.accounts import views as account_views
from finegrid.territory import views as territory_views
from finegrid.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", account_views.password_change, name="password-change"),
    path("audit/", account_views.audit_trail, name="audit-trail"),
    path("areas/<str:code>/", territory_views.area_detail, name="area-detail"),
    path("grids/<str:code>/", territory_views.grid_detail, name="grid-detail"),
    path("map/", territory_views.map_view, name="map"),
]
