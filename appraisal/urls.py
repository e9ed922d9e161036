from .views import cadre, logs, officer, results, signing

app_name = "appraisal"

urlpatterns = [
    # Staff and unit heads: monthly logs, the inbox and quarterly summaries (appraisal/views/logs.py).
    *logs.urlpatterns,
    # Leaders: signing, revisions and signature checks (appraisal/views/signing.py).
    *signing.urlpatterns,
    # Feedback, publication, admonishment talks, the year and the archive (appraisal/views/results.py).
    *results.urlpatterns,
    # Organisation officers: cycles and groups, the dashboard, reminders (appraisal/views/officer.py).
    *officer.urlpatterns,
    # Mid-level cadre appraisal: set-up, score entry, ranking, filing, import (appraisal/views/cadre.py).
    *cadre.urlpatterns,
]
