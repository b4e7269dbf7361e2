from django.urls import path

from finegrid.campaigns import views

urlpatterns = [
    path("campaigns/", views.campaign_list, name="campaign-list"),
    path("campaigns/new/", views.launch, name="campaign-launch"),
    path("campaigns/sw.js", views.service_worker, name="campaign-sw"),
    path("campaigns/<int:pk>/", views.detail, name="campaign-detail"),
    path("campaigns/<int:pk>/live/", views.live, name="campaign-live"),
    path("campaigns/<int:pk>/grids.geojson", views.grids_geojson, name="campaign-grids"),
    path("campaigns/<int:pk>/doors/", views.doors, name="campaign-doors"),
    path("campaigns/<int:pk>/report/", views.report_page, name="campaign-report"),
    path("campaigns/<int:pk>/report.xlsx", views.report_xlsx, name="campaign-report-xlsx"),
    path("campaigns/<int:pk>/close/", views.close, name="campaign-close"),
    path("campaigns/<int:pk>/reassign/", views.reassign, name="campaign-reassign"),
]
