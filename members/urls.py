from django.urls import path

from . import roster_views, views

app_name = "members"

urlpatterns = [
    path("", views.person_list, name="list"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("statistics/", views.structure_statistics, name="statistics"),
    path("import/", roster_views.roster_import, name="import"),
    path("import/template.xlsx", roster_views.roster_template, name="import_template"),
]
