from . import views, views_democratic, views_mass, views_records

app_name = "reviews"

# The organiser's pages (reviews/views.py); the participants' public pages are in reviews/vote_urls.py.
urlpatterns = [*views.urlpatterns, *views_democratic.urlpatterns, *views_records.urlpatterns, *views_mass.urlpatterns]
