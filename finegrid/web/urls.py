from django.contrib.auth import views as auth_views
from django.urls import path

from finegrid.accounts import views as account_views
from finegrid.org import views as org_views
from finegrid.people import views as people_views
from finegrid.territory import views as territory_views
from finegrid.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("cockpit/", views.cockpit, name="cockpit"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", account_views.password_change, name="password-change"),
    path("audit/", account_views.audit_trail, name="audit-trail"),
    path("areas/<str:code>/", territory_views.area_detail, name="area-detail"),
    path("grids/<str:code>/", territory_views.grid_detail, name="grid-detail"),
    path("grids/<str:code>/route/", territory_views.route_sheet, name="route-sheet"),
    path("map/", territory_views.map_view, name="map"),
    path("areas/<str:code>/buildings/", territory_views.community_buildings, name="buildings"),
    path("buildings/<str:ref>/", territory_views.building_detail, name="building-detail"),
    path("households/<int:pk>/", people_views.household_detail, name="household-detail"),
    path("persons/<int:pk>/unmask/", people_views.unmask, name="person-unmask"),
    path("registry/search/", people_views.search, name="person-search"),
    path("registry/import/", people_views.import_roster, name="roster-import"),
    path("registry/template.xlsx", people_views.roster_template, name="roster-template"),
    path("registry/export/<str:code>/", people_views.roster_export, name="roster-export"),
    path("coverage/<str:code>/", org_views.coverage, name="coverage"),
]
