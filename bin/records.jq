# bin/records.jq — score's decisions about a record, named once for the runner
# (bin/run_track.sh) and the report (bin/report.sh): jq -L "$TOP/bin" 'include "records"; …'.
# score decides what "better" means; these only read it.

# Passed screening: better than pristine on the screening pairs.
def passed_screening: .score.better_than_pristine == true;
# Confirmed: better than pristine on confirmation's fresh pairs (a record joined with
# its confirm.jsonl line, or the line itself).
def confirmed_better: .confirm.score.better_than_pristine == true;
# The best of an array by confirmed figures: of the elements whose f is confirmed
# better, the one whose f has the highest confirmed comparable_score; null if none.
def confirmed_best(f): map(select(f | confirmed_better)) | max_by(f | .confirm.score.comparable_score);
