"""Pages of co-governance (login) and the public pages (no login)."""

from django.urls import path

from finegrid.partners import views

urlpatterns = [
    path("partners/", views.index, name="partners"),
    path("partners/cockpit/", views.cockpit_card, name="partners-cockpit"),
    path("partners/<int:pk>/", views.partner_detail, name="partner-detail"),
    path("partners/compounds/<int:pk>/", views.compound_detail, name="partners-compound"),
    path("partners/decisions/<int:pk>/", views.decision_detail, name="decision-detail"),
    path("partners/periods/<int:pk>/", views.period_detail, name="period-detail"),
    path("partners/ratings/<int:pk>/", views.rating_detail, name="rating-detail"),
    path("partners/offers/<int:pk>/", views.offer_detail, name="offer-detail"),
    path("partners/ledgers/<int:pk>/", views.ledger_detail, name="ledger-detail"),
    path("partners/questions/", views.question_entry, name="entry-question"),
    # The only pages without login: published accounts and awards, no personal data.
    path("public/", views.public_index, name="public-index"),
    path("public/awards/", views.public_awards, name="public-awards"),
    path("public/notices/<int:compound>/<str:slug>/", views.public_notice, name="public-notice"),
    path(
        "public/notices/<int:compound>/<str:slug>/notice.pdf",
        views.public_notice_pdf,
        name="public-notice-pdf",
    ),
]
