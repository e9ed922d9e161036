from . import views

app_name = "reviews"

# The organiser's pages (reviews/views.py); the participants' public pages are in reviews/vote_urls.py.
urlpatterns = [*views.urlpatterns]
