"""The permission matrix (RELIABILITY.md R2, after pretix's src/tests/control/test_permissions.py): what each role
gets from each URL, kept as data and played by tests/security/test_permission_matrix.py.

Each row: (URL name, target, method, expected answers) — one answer per role, in the order of ROLES:

    stf  staff                 张小丽, 办公室 staff, member of 第一党支部 (the home unit and branch of every object)
    sto  staff_other_unit      王芳, staff of 宣传部, member of 第二党支部
    hd   unit_head             李建国, unit head of 办公室
    hdo  unit_head_other_unit  胡海, unit head of 宣传部
    ldr  leader                林志远, leads 办公室 and signs its appraisal group
    ldn  leader_not_assigned   何副局长, leads 宣传部 only
    off  officer               欧阳静, officer of 第一党总支 and 办公室
    ofo  officer_other         陶然, officer of 第二党总支 and 宣传部
    top  officer_top           赵书记, officer of 机关工委 and the whole organ
    sec  secretary             孙明, secretary of 第一党支部
    seo  secretary_other       石磊, secretary of 第二党支部
    pld  principal_leader      周局长, principal leader of the organ, acting for 林志远 by delegation
    sad  system_admin          系统管理员 (MLPS R5): a login with no person record and no jurisdiction
    sca  security_admin        安全管理员, likewise
    aud  audit_admin           审计管理员, likewise

The target names the object the URL points at (tests/security/permission_matrix_world.py TARGETS; "-" for none);
every object lives at home (办公室 / 第一党支部). Answers: a status code, or L for a redirect to the login page.
Rules the answers follow: an object outside the role's scope is 404 (no existence leak); a role that may see an
object but not act on it, or lacks the role a page needs, is 403; allowed is 200/302 (400 when an empty POST
reaches the form, which shows the access check passed). Anonymous requests are R1's (tests/security/test_routes.py).

ADDING A URL: the meta-test fails and names the route. Add a row below, in its app's block, with "?" for the
answers (e.g. "? ? ? ? ? ? ? ? ? ? ? ? ? ? ?"); run
    .venv/bin/pytest tests/security/test_permission_matrix.py -p no:cacheprovider -k log_detail
(-k takes the URL name without its namespace), and the failure prints the observed row, ready to paste once you
have checked each answer against the rules above.
A URL that points at a new kind of object also needs a TARGETS entry (and the object in build_world). A URL with
neither object nor list semantics may instead go into EXEMPT, with the reason.

Not played here: GET on POST-only views (405 for everyone) and POST on pages whose POST answers as their GET.
"""

ROLES = (
    "staff",
    "staff_other_unit",
    "unit_head",
    "unit_head_other_unit",
    "leader",
    "leader_not_assigned",
    "officer",
    "officer_other",
    "officer_top",
    "secretary",
    "secretary_other",
    "principal_leader",
    "system_admin",
    "security_admin",
    "audit_admin",
)

# fmt: off
ROWS = [
    # URL name                               target            method  "stf sto hd  hdo ldr ldn off ofo top sec seo pld sad sca aud"
    # accounts
    ("home",                                  "-",              "GET",  "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"),
    ("logout",                                "-",              "POST", "  L   L   L   L   L   L   L   L   L   L   L   L   L   L   L"),
    ("otp_verify",                            "-",              "GET",  "302 302 302 302 302 302 302 302 302 302 302 302 302 302 302"),
    ("otp_setup",                             "-",              "GET",  "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"),
    ("password_change",                       "-",              "GET",  "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"),
    ("otp_remove",                            "-",              "GET",  "302 302 302 302 302 302 302 302 302 302 302 302 302 302 302"),
    # members
    ("members:list",                          "-",              "GET",  "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"),
    ("members:detail",                        "member",         "GET",  "404 404 200 404 200 404 200 404 200 200 404 200 404 404 404"),
    ("members:statistics",                    "-",              "GET",  "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"),
    ("members:import",                        "-",              "GET",  "403 403 403 403 403 403 200 200 200 403 403 403 403 403 403"),
    ("members:import_template",               "-",              "GET",  "403 403 403 403 403 403 200 200 200 403 403 403 403 403 403"),
    ("members:party",                         "member",         "GET",  "403 403 403 403 403 403 200 404 200 200 404 403 403 403 403"),
    ("members:development_step",              "member",         "POST", "403 403 403 403 403 403 400 404 400 400 404 403 403 403 403"),
    ("members:probation_extend",              "member",         "POST", "403 403 403 403 403 403 400 404 400 400 404 403 403 403 403"),
    ("members:development_record_pdf",        "member",         "GET",  "403 403 403 403 403 403 200 404 200 200 404 403 403 403 403"),
    ("members:thought_report_create",         "member",         "POST", "403 403 403 403 403 403 400 404 400 400 404 403 403 403 403"),
    ("members:standing_change",               "member",         "POST", "403 403 403 403 403 403 400 404 400 400 404 403 403 403 403"),
    ("members:transfer_out_create",           "member",         "GET",  "403 403 403 403 403 403 200 404 200 200 404 403 403 403 403"),
    ("members:dues_base",                     "member",         "POST", "403 403 403 403 403 403 400 404 400 400 404 403 403 403 403"),
    ("members:floating",                      "member",         "POST", "403 403 403 403 403 403 302 404 302 302 404 403 403 403 403"),
    ("members:hardship_open",                 "member",         "POST", "403 403 403 403 403 403 400 404 400 400 404 403 403 403 403"),
    ("members:development",                   "-",              "GET",  "403 403 403 403 403 403 200 200 200 200 200 403 403 403 403"),
    ("members:application_create",            "-",              "GET",  "403 403 403 403 403 403 200 200 200 200 200 403 403 403 403"),
    ("members:probation",                     "-",              "GET",  "403 403 403 403 403 403 200 200 200 200 200 403 403 403 403"),
    ("members:thought_reports",               "-",              "GET",  "403 403 403 403 403 403 200 200 200 200 200 403 403 403 403"),
    ("members:thought_report_review",         "thought_report", "POST", "403 403 403 403 403 403 400 404 400 400 404 403 403 403 403"),
    ("members:standing",                      "-",              "GET",  "403 403 403 403 403 403 200 200 200 200 200 403 403 403 403"),
    ("members:transfers",                     "-",              "GET",  "403 403 403 403 403 403 200 200 200 200 200 403 403 403 403"),
    ("members:transfer_in_create",            "-",              "GET",  "403 403 403 403 403 403 200 200 200 200 200 403 403 403 403"),
    ("members:transfer_detail",               "transfer",       "GET",  "403 403 403 403 403 403 200 200 200 200 200 403 403 403 403"),
    ("members:transfer_receipt",              "transfer",       "POST", "403 403 403 403 403 403 403 400 400 403 400 403 403 403 403"),
    ("members:transfer_receive",              "transfer",       "POST", "403 403 403 403 403 403 403 400 400 403 400 403 403 403 403"),
    ("members:transfer_cancel",               "transfer",       "POST", "403 403 403 403 403 403 400 400 400 400 400 403 403 403 403"),
    ("members:transfer_letter_pdf",           "transfer",       "GET",  "403 403 403 403 403 403 200 200 200 200 200 403 403 403 403"),
    ("members:dues",                          "-",              "GET",  "403 403 403 403 403 403 200 200 200 200 200 403 403 403 403"),
    ("members:dues_pay",                      "-",              "GET",  "403 403 403 403 403 403 200 200 200 200 200 403 403 403 403"),
    ("members:dues_arrears",                  "-",              "GET",  "403 403 403 403 403 403 200 200 200 200 200 403 403 403 403"),
    ("members:dues_year",                     "-",              "GET",  "403 403 403 403 403 403 200 200 200 200 200 403 403 403 403"),
    ("members:ledger",                        "ledger",         "GET",  "403 403 403 403 403 403 200 200 200 200 200 403 403 403 403"),
    ("members:hardship_detail",               "hardship",       "GET",  "403 403 403 403 403 403 200 404 200 200 404 403 403 403 403"),
    ("members:hardship_help",                 "hardship",       "POST", "403 403 403 403 403 403 400 404 400 400 404 403 403 403 403"),
    ("members:hardship_close",                "hardship",       "POST", "403 403 403 403 403 403 400 404 400 400 404 403 403 403 403"),
    # branches
    ("branches:organizations",                "-",              "GET",  "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"),
    ("branches:meeting_list",                 "-",              "GET",  "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"),
    ("branches:meeting_create",               "-",              "GET",  "403 403 403 403 403 403 200 200 200 200 200 403 403 403 403"),
    ("branches:meeting_detail",               "meeting",        "GET",  "200 404 200 404 404 404 200 404 200 200 404 404 404 404 404"),
    ("branches:meeting_edit",                 "meeting",        "GET",  "403 404 403 404 404 404 200 404 200 200 404 404 404 404 404"),
    ("branches:attachment_upload",            "meeting",        "POST", "403 404 403 404 404 404 302 404 302 302 404 404 404 404 404"),
    ("branches:attachment_download",          "attachment",     "GET",  "200 404 200 404 404 404 200 404 200 200 404 404 404 404 404"),
    ("branches:attachment_delete",            "attachment",     "POST", "403 404 403 404 404 404 302 404 302 302 404 404 404 404 404"),
    ("branches:compliance",                   "-",              "GET",  "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"),
    ("branches:committees",                   "-",              "GET",  "403 403 403 403 403 403 200 200 200 200 200 403 403 403 403"),
    ("branches:committee_detail",             "committee",      "GET",  "404 404 404 404 404 404 200 404 200 200 404 404 404 404 404"),
    ("branches:committee_create",             "committee",      "GET",  "404 404 404 404 404 404 200 404 200 200 404 404 404 404 404"),
    # appraisal
    ("appraisal:my_log",                      "-",              "GET",  "302 302 302 302 302 302 302 302 302 302 302 302 403 403 403"),
    ("appraisal:my_log",                      "log_month",      "GET",  "200 200 200 200 200 200 200 200 200 200 200 200 403 403 403"),
    ("appraisal:log_detail",                  "log",            "GET",  "302 404 200 404 200 404 200 404 200 404 404 200 404 404 404"),
    ("appraisal:log_comment",                 "log",            "POST", "403 404 200 404 403 404 403 404 403 404 404 403 404 404 404"),
    ("appraisal:log_return",                  "log",            "POST", "403 404 200 404 403 404 403 404 403 404 404 403 404 404 404"),
    ("appraisal:inbox",                       "-",              "GET",  "403 403 200 200 403 403 403 403 403 403 403 403 403 403 403"),
    ("appraisal:summaries",                   "-",              "GET",  "403 403 200 200 403 403 403 403 403 403 403 403 403 403 403"),
    ("appraisal:summary_edit",                "summary",        "GET",  "403 404 200 404 403 404 403 404 403 404 404 403 404 404 404"),
    ("appraisal:leader_home",                 "-",              "GET",  "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"),
    ("appraisal:sign",                        "group_period",   "GET",  "404 404 404 404 200 404 404 404 404 404 404 200 404 404 404"),
    ("appraisal:rating_revise",               "rating",         "GET",  "403 404 403 404 200 404 403 404 403 404 404 200 404 404 404"),
    ("appraisal:appraisee_logs",              "sign_appraisee", "GET",  "404 404 404 404 200 404 404 404 404 404 404 200 404 404 404"),
    ("appraisal:my_results",                  "-",              "GET",  "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"),
    ("appraisal:rating_acknowledge",          "rating",         "POST", "302 404 403 404 403 404 403 404 403 404 404 403 404 404 404"),
    ("appraisal:publication",                 "-",              "GET",  "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"),
    ("appraisal:group_publish",               "publish",        "POST", "403 404 403 404 403 404 302 404 302 403 404 403 404 404 404"),
    ("appraisal:admonishments",               "-",              "GET",  "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"),
    ("appraisal:admonishment_record",         "admonishment",   "GET",  "404 404 200 404 200 404 403 404 403 403 404 403 404 404 404"),
    ("appraisal:year",                        "-",              "GET",  "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"),
    ("appraisal:commendations",               "-",              "GET",  "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"),
    ("appraisal:commendation_create",         "-",              "GET",  "403 403 403 403 403 403 200 200 200 403 403 403 403 403 403"),
    ("appraisal:archive",                     "archive",        "GET",  "200 404 200 404 200 404 200 404 200 404 404 200 404 404 404"),
    ("appraisal:cycles",                      "-",              "GET",  "403 403 403 403 403 403 200 200 200 403 403 403 403 403 403"),
    ("appraisal:cycle_detail",                "cycle",          "GET",  "403 403 403 403 403 403 200 200 200 403 403 403 403 403 403"),
    ("appraisal:group_create",                "cycle",          "GET",  "403 403 403 403 403 403 200 200 200 403 403 403 403 403 403"),
    ("appraisal:group_setup",                 "group",          "GET",  "403 403 403 403 403 403 200 404 200 403 403 403 403 403 403"),
    ("appraisal:group_setup",                 "group",          "POST", "403 403 403 403 403 403 403 404 403 403 403 403 403 403 403"),
    ("appraisal:appraisee_rating_leader",     "appraisee",      "POST", "403 403 403 403 403 403 302 404 302 403 403 403 403 403 403"),
    ("appraisal:appraisee_remove",            "appraisee",      "POST", "403 403 403 403 403 403 302 404 302 403 403 403 403 403 403"),
    ("appraisal:delegations",                 "-",              "GET",  "403 403 403 403 403 403 200 200 200 403 403 403 403 403 403"),
    ("appraisal:delegation_revoke",           "delegation",     "POST", "403 403 403 403 403 403 302 404 302 403 403 403 403 403 403"),
    ("appraisal:dashboard",                   "-",              "GET",  "403 403 403 403 403 403 200 200 200 403 403 403 403 403 403"),
    ("appraisal:notifications",               "-",              "GET",  "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"),
    ("appraisal:notification_read",           "notification",   "POST", "302 404 404 404 404 404 404 404 404 404 404 404 404 404 404"),
    ("appraisal:notifications_read_all",      "-",              "POST", "302 302 302 302 302 302 302 302 302 302 302 302 302 302 302"),
    ("appraisal:cadre_exercises",             "-",              "GET",  "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"),
    ("appraisal:cadre_create",                "-",              "GET",  "403 403 403 403 403 403 200 200 200 403 403 403 403 403 403"),
    ("appraisal:cadre_detail",                "exercise",       "GET",  "404 404 404 404 200 404 404 404 200 404 404 200 404 404 404"),
    ("appraisal:cadre_edit",                  "exercise",       "GET",  "404 404 404 404 403 404 404 404 200 404 404 403 404 404 404"),
    ("appraisal:cadre_cadres_add",            "exercise",       "POST", "404 404 404 404 403 404 404 404 302 404 404 403 404 404 404"),
    ("appraisal:cadre_remove",                "cadre_appraisee", "POST", "404 404 404 404 403 404 404 404 302 404 404 403 404 404 404"),
    ("appraisal:cadre_work_scores",           "exercise",       "GET",  "404 404 404 404 403 404 404 404 200 404 404 403 404 404 404"),
    ("appraisal:cadre_principal_scores",      "exercise",       "GET",  "404 404 404 404 404 404 404 404 404 404 404 200 404 404 404"),
    ("appraisal:cadre_team_scores",           "exercise",       "GET",  "404 404 404 404 200 404 404 404 404 404 404 404 404 404 404"),
    ("appraisal:cadre_ranking",               "exercise",       "GET",  "404 404 404 404 403 404 404 404 200 404 404 403 404 404 404"),
    ("appraisal:cadre_file",                  "exercise",       "GET",  "404 404 404 404 403 404 404 404 200 404 404 403 404 404 404"),
    ("appraisal:cadre_import",                "exercise",       "GET",  "404 404 404 404 403 404 404 404 200 404 404 403 404 404 404"),
    ("appraisal:cadre_import_template",       "exercise",       "GET",  "404 404 404 404 403 404 404 404 200 404 404 403 404 404 404"),
    # reviews
    ("reviews:list",                          "-",              "GET",  "403 403 403 403 403 403 200 200 200 200 200 403 403 403 403"),
    ("reviews:create",                        "-",              "GET",  "403 403 403 403 403 403 200 200 200 200 200 403 403 403 403"),
    ("reviews:detail",                        "poll",           "GET",  "404 404 404 404 404 404 200 404 200 404 404 404 404 404 404"),
    ("reviews:settings",                      "poll",           "POST", "404 404 404 404 404 404 400 404 400 404 404 404 404 404 404"),
    ("reviews:subjects_add",                  "poll",           "POST", "404 404 404 404 404 404 400 404 400 404 404 404 404 404 404"),
    ("reviews:subject_remove",                "poll_subject",   "POST", "404 404 404 404 404 404 302 404 302 404 404 404 404 404 404"),
    ("reviews:question_add",                  "poll",           "POST", "404 404 404 404 404 404 400 404 400 404 404 404 404 404 404"),
    ("reviews:question_remove",               "poll_question",  "POST", "404 404 404 404 404 404 302 404 302 404 404 404 404 404 404"),
    ("reviews:codes_issue",                   "poll",           "POST", "404 404 404 404 404 404 400 404 400 404 404 404 404 404 404"),
    ("reviews:codes_void",                    "poll",           "POST", "404 404 404 404 404 404 302 404 302 404 404 404 404 404 404"),
    ("reviews:open",                          "poll",           "POST", "404 404 404 404 404 404 302 404 302 404 404 404 404 404 404"),
    ("reviews:turnout",                       "poll",           "GET",  "404 404 404 404 404 404 200 404 200 404 404 404 404 404 404"),
    ("reviews:close",                         "poll",           "GET",  "404 404 404 404 404 404 302 404 302 404 404 404 404 404 404"),
    ("reviews:results",                       "poll",           "GET",  "404 404 404 404 404 404 200 404 200 404 404 404 404 404 404"),
    ("reviews:democratic_list",               "-",              "GET",  "403 403 403 403 403 403 200 200 200 200 200 403 403 403 403"),
    ("reviews:democratic_create",             "-",              "POST", "403 403 403 403 403 403 400 400 400 400 400 403 403 403 403"),
    ("reviews:democratic_statistics",         "-",              "GET",  "403 403 403 403 403 403 200 200 200 200 200 403 403 403 403"),
    ("reviews:democratic_mine",               "-",              "GET",  "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"),
    ("reviews:democratic_self_save",          "own_evaluation", "POST", "400 404 404 404 404 404 404 404 404 404 404 404 404 404 404"),
    ("reviews:democratic_detail",             "evaluation",     "GET",  "404 404 404 404 404 404 200 404 200 200 404 404 404 404 404"),
    ("reviews:democratic_decide",             "eval_member",    "POST", "404 404 404 404 404 404 400 404 400 400 404 404 404 404 404"),
    ("reviews:democratic_finalise",           "evaluation",     "POST", "404 404 404 404 404 404 302 404 302 302 404 404 404 404 404"),
    ("reviews:records_commitments",           "-",              "GET",  "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"),
    ("reviews:records_commitment_create",     "-",              "GET",  "200 200 200 200 403 403 200 200 200 200 200 403 403 403 403"),
    ("reviews:records_commitment_edit",       "commitment",     "GET",  "200 404 404 404 404 404 200 404 200 200 404 404 404 404 404"),
    ("reviews:records_commitment_fulfilment", "commitment",     "GET",  "403 404 404 404 404 404 200 404 200 200 404 404 404 404 404"),
    ("reviews:records_commentaries",          "-",              "GET",  "403 403 403 403 403 403 200 200 200 200 200 403 403 403 403"),
    ("reviews:records_commentary_create",     "-",              "GET",  "403 403 403 403 403 403 200 200 200 200 200 403 403 403 403"),
    ("reviews:records_commentary_detail",     "commentary",     "GET",  "404 404 404 404 404 404 200 404 200 200 404 404 404 404 404"),
    ("reviews:records_commentary_correct",    "commentary",     "GET",  "404 404 404 404 404 404 200 404 200 403 404 404 404 404 404"),
    ("reviews:records_commentary_correct",    "commentary",     "POST", "404 404 404 404 404 404 200 404 200 403 404 404 404 404 404"),
    ("reviews:records_stars",                 "-",              "GET",  "403 403 403 403 403 403 200 200 200 200 200 403 403 403 403"),
    ("reviews:records_star_set",              "star",           "GET",  "403 403 403 403 403 403 200 404 200 200 404 403 403 403 403"),
    ("reviews:records_reports",               "-",              "GET",  "403 403 403 403 403 403 200 200 200 200 200 403 403 403 403"),
    ("reviews:records_report_start",          "-",              "GET",  "403 403 403 403 403 403 200 200 200 200 200 403 403 403 403"),
    ("reviews:records_report_form",           "branch_year",    "GET",  "403 403 403 403 403 403 200 404 200 200 404 403 403 403 403"),
    ("reviews:mass_list",                     "-",              "GET",  "403 403 403 403 403 403 200 200 200 200 200 403 403 403 403"),
    ("reviews:mass_create",                   "-",              "GET",  "403 403 403 403 403 403 200 200 200 200 200 403 403 403 403"),
    ("reviews:mass_detail",                   "mass_round",     "GET",  "404 404 404 404 404 404 200 404 200 200 404 404 404 404 404"),
    ("reviews:mass_activity_add",             "mass_round",     "POST", "404 404 404 404 404 404 400 404 400 400 404 404 404 404 404"),
    ("reviews:mass_activity_delete",          "mass_activity",  "POST", "404 404 404 404 404 404 302 404 302 302 404 404 404 404 404"),
    ("reviews:mass_introductions",            "mass_round",     "POST", "404 404 404 404 404 404 302 404 302 302 404 404 404 404 404"),
    ("reviews:mass_service_add",              "mass_round",     "POST", "404 404 404 404 404 404 400 404 400 400 404 404 404 404 404"),
    ("reviews:mass_service_delete",           "mass_service",   "POST", "404 404 404 404 404 404 302 404 302 302 404 404 404 404 404"),
    ("reviews:mass_results",                  "mass_round",     "GET",  "404 404 404 404 404 404 200 404 200 200 404 404 404 404 404"),
    ("reviews:mass_statistics",               "mass_round",     "GET",  "404 404 404 404 404 404 200 404 200 200 404 404 404 404 404"),
    ("reviews:mass_publication",              "mass_round",     "GET",  "404 404 404 404 404 404 200 404 200 200 404 404 404 404 404"),
    ("reviews:mass_publication_pdf",          "mass_round",     "GET",  "404 404 404 404 404 404 200 404 200 200 404 404 404 404 404"),
    ("reviews:mass_rectifications",           "-",              "GET",  "403 403 403 403 403 403 200 200 200 200 200 403 403 403 403"),
    ("reviews:mass_reevaluate",               "-",              "POST", "403 403 403 403 403 403 404 404 404 404 404 403 403 403 403"),
    ("reviews:mass_rectification",            "rectification",  "GET",  "404 404 404 404 404 404 200 404 200 200 404 404 404 404 404"),
    ("reviews:mass_rectification_plan",       "rectification",  "POST", "404 404 404 404 404 404 400 404 400 400 404 404 404 404 404"),
    ("reviews:mass_rectification_complete",   "rectification",  "POST", "404 404 404 404 404 404 302 404 302 302 404 404 404 404 404"),
    ("reviews:mass_rectification_talk",       "rectification",  "POST", "404 404 404 404 404 404 400 404 400 400 404 404 404 404 404"),
    # reports
    ("reports:jobs",                          "-",              "GET",  "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"),
    ("reports:job_row",                       "job",            "GET",  "404 404 404 404 404 404 200 404 404 404 404 404 404 404 404"),
    ("reports:job_retry",                     "job",            "POST", "404 404 404 404 404 404 302 404 404 404 404 404 404 404 404"),
    ("reports:job_download",                  "job",            "GET",  "404 404 404 404 404 404 200 404 404 404 404 404 404 404 404"),
]
# fmt: on

# Routes with no row, each with its reason. The public views and the ballot pages are R1's allowlist
# (tests/security/test_routes.py PUBLIC_VIEWS, PUBLIC_NAMESPACES).
EXEMPT_NAMESPACES = {
    # Django admin: reachable only with is_staff, and every page checks the model permission of the admin role
    # (core/roles.py SYSTEM_ADMIN); the separation of the admin roles is R5's test.
    "admin": "Django admin",
}
EXEMPT = {}

# Lists and searches seen by a role must not show these people (R2: no foreign rows). The people of the other side
# are 王芳 (staff), 胡海 (unit head), 陶然 (officer) and 石磊 (secretary) of 宣传部 / 第二党支部; of the home side
# 张小丽, 李建国, 孙明 (office staff and party members) and 陈积极 (an activist of 第一党支部 holding no role).
# Each role's own name is in the page header, so a role is never asked to miss itself.
HOME = ("张小丽", "李建国", "孙明", "陈积极")
OTHER = ("王芳", "胡海", "陶然", "石磊")
HOME_ROLES = ("staff", "unit_head", "leader", "officer", "secretary")
OTHER_ROLES = ("staff_other_unit", "unit_head_other_unit", "leader_not_assigned", "officer_other", "secretary_other")

LIST_PAGES = [
    # URL name, URL keyword arguments, query string
    ("members:list", {}, ""),
    ("members:list", {}, "q=王"),
    ("members:list", {}, "q=张"),
    ("members:statistics", {}, ""),
    ("members:development", {}, ""),
    ("members:thought_reports", {}, ""),
    ("members:dues", {}, ""),
    ("members:dues_arrears", {}, ""),
    ("members:transfers", {}, ""),
    ("members:ledger", {"kind": "hardship"}, ""),
    ("branches:meeting_list", {}, ""),
    ("branches:compliance", {}, ""),
    ("branches:committees", {}, ""),
    ("appraisal:inbox", {}, ""),
    ("appraisal:summaries", {}, ""),
    ("appraisal:leader_home", {}, ""),
    ("appraisal:publication", {}, ""),
    ("appraisal:admonishments", {}, ""),
    ("appraisal:year", {}, ""),
    ("appraisal:commendations", {}, ""),
    ("appraisal:dashboard", {}, ""),
    ("appraisal:cadre_exercises", {}, ""),
    ("reviews:list", {}, ""),
    ("reviews:democratic_list", {}, ""),
    ("reviews:democratic_statistics", {}, ""),
    ("reviews:records_commitments", {}, ""),
    ("reviews:records_commentaries", {}, ""),
    ("reviews:records_stars", {}, ""),
    ("reviews:mass_list", {}, ""),
    ("reviews:mass_rectifications", {}, ""),
    ("reports:jobs", {}, ""),
]

# Where a role legitimately sees a name of the other side, and why.
LIST_ALLOWED = {
    # 何副局长 belongs to the organ itself, whose publication list (公示) covers its sub-units (appraisal.feedback
    # publication_units: the user's own unit and the units they cover).
    ("appraisal:publication", "leader_not_assigned"): HOME,
}
