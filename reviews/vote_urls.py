from . import vote

app_name = "vote"

# Public pages for poll participants (no login): reviews/vote.py.
urlpatterns = [*vote.urlpatterns]
