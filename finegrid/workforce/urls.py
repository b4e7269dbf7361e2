from django.urls import path

from finegrid.workforce import views

urlpatterns = [
    path("", views.index, name="workforce"),
    path("me/", views.me, name="workforce-me"),
    path("courses/new/", views.course_form, name="workforce-course-new"),
    path("courses/<int:pk>/", views.course_detail, name="workforce-course"),
    path("courses/<int:pk>/edit/", views.course_form, name="workforce-course-edit"),
    path("courses/<int:pk>/materials/new/", views.material_form, name="workforce-material-new"),
    path("courses/<int:pk>/sessions/new/", views.session_form, name="workforce-session-new"),
    path("courses/<int:pk>/quiz/edit/", views.quiz_form, name="workforce-quiz-edit"),
    path("courses/<int:pk>/quiz/", views.take_quiz, name="workforce-quiz"),
    path("materials/<int:pk>/", views.material, name="workforce-material"),
    path("sessions/<int:pk>/screen/", views.check_in_screen, name="workforce-screen"),
    path("sessions/<int:pk>/code/", views.check_in_code, name="workforce-code"),
    path("checkin/<int:pk>/", views.check_in, name="workforce-check-in"),
    path("coverage/<str:code>/", views.coverage, name="workforce-coverage"),
    path("assessments/<int:pk>/", views.assessment, name="workforce-assessment"),
    path("assessments/<int:pk>.xlsx", views.assessment_export, name="workforce-export"),
    path("appeals/<int:pk>/decide/", views.decide_appeal, name="workforce-decide"),
    path("results/<int:pk>/appeal/", views.file_appeal, name="workforce-appeal"),
    path("certificates/<int:pk>.pdf", views.certificate, name="workforce-certificate"),
    path("points/", views.points_list, name="workforce-points"),
    path("workers/<int:pk>/points/", views.worker_points, name="workforce-worker-points"),
    path("workers/<int:pk>/redeem/", views.redeem, name="workforce-redeem"),
    path("entries/<int:pk>/adjust/", views.adjust, name="workforce-adjust"),
    path("schemes/", views.schemes, name="workforce-schemes"),
    path("schemes/new/", views.scheme_new, name="workforce-scheme-new"),
    path("compute/", views.compute_month, name="workforce-compute"),
    path("assessments/<int:pk>/publish/", views.publish, name="workforce-publish"),
    path("cockpit/<str:code>/", views.cockpit_panel, name="workforce-cockpit"),
]
