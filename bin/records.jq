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

# How far a run's records (an array) got, stage by stage, as the progress line and
# make status print it; $conf: the run's confirm.jsonl lines.
def funnel($conf): "applied \(map(select(.apply.ok == true)) | length) / built \(map(select(.build.ok == true)) | length) / tested \(map(select(.test.ok == true)) | length) / passed screening \(map(select(passed_screening)) | length) / confirmed \($conf | map(select(confirmed_better)) | length)";
# The best screening figure of a run's records (an array): null before a valid candidate.
def screening_best: map(select(.score.valid == true and .pristine != true) | .score.comparable_score) | max // null;
# What a run's records (an array) cost in model calls, USD (their llm.cost_usd, priced
# by AIOPT_PRICES): null when any call's cost is unknown (an unpriced remote model),
# never a sum that leaves those out.
def cost_usd: if any(.[]; .llm.cost_usd == null) then null else map(.llm.cost_usd) | add // 0 end;
