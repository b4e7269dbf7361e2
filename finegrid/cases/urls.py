from django.urls import path

from finegrid.cases import views

urlpatterns = [
    path("cases/", views.case_list, name="case-list"),
    path("cases/new/", views.raise_case, name="case-raise"),
    path("cases/hotline/", views.hotline_import, name="case-hotline"),
    path("cases/figures/", views.case_figures, name="case-figures"),
    path("cases/figures.xlsx", views.figures_export, name="case-figures-export"),
    path("cases/lists/", views.duty_lists, name="duty-lists"),
    path("cases/lists/template.xlsx", views.duty_lists_template, name="duty-lists-template"),
    path("cases/lists/<str:code>/export.xlsx", views.duty_lists_export, name="duty-lists-export"),
    path("cases/streams/", views.streams, name="case-streams"),
    path("cases/streams/<int:compound>/", views.stream, name="case-stream"),
    path("cases/messages/<int:message>/case/", views.message_case, name="message-case"),
    path("cases/photos/<int:pk>/", views.photo, name="case-photo"),
    path("cases/<int:pk>/", views.case_detail, name="case-detail"),
    path("cases/<int:pk>/step/", views.case_step, name="case-step"),
    path("cases/<int:pk>/rate/", views.case_rate, name="case-rate"),
    path("cases/<int:pk>/merge/", views.case_merge, name="case-merge"),
    path("cases/<int:pk>/whistle/", views.case_whistle, name="case-whistle"),
    path("cases/<int:pk>/calls/<int:call>/report/", views.whistle_report, name="whistle-report"),
    path("cases/<int:pk>/calls/<int:call>/rate/", views.whistle_rate, name="whistle-rate"),
]
