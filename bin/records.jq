# bin/records.jq — score's decisions about a record, named once for the runner
# (bin/run_track.sh) and the report (bin/report.sh): jq -L "$TOP/bin" 'include "records"; …'.
# score decides what "better" means; these only read it.

# Passed screening: better than pristine on the screening pairs.
def passed_screening: .score.better_than_pristine == true;
# The held-out workloads a candidate is invalid on (broke the contract or a rule
# there, or its runs failed), as "WORKLOAD: reason"; pristine failing there is an
# input error, no verdict on the candidate, and not listed.
def heldout_invalid: [(.heldout // {}) | to_entries[] | select(.value.score.valid == false)
                      | "\(.key): \(.value.score.reason // "invalid")"];
# Confirmed: better than pristine on confirmation's fresh pairs (a record joined with
# its confirm.jsonl and heldout.jsonl lines, or the lines themselves), and valid on
# every held-out workload: a winner that breaks RocksDB's contract elsewhere is none.
def confirmed_better: .confirm.score.better_than_pristine == true and (heldout_invalid | length) == 0;
# The best of an array by confirmed figures: of the elements whose f is confirmed
# better, the one whose f has the highest confirmed comparable_score; null if none.
def confirmed_best(f): map(select(f | confirmed_better)) | max_by(f | .confirm.score.comparable_score);

# A record's outcome in words and figure, as the runner's progress line and a
# repeat's record say it (a record joined with its confirmation, or not).
def outcome: if confirmed_better then "confirmed better"
  elif .confirm.score.better_than_pristine == true then "better on fresh pairs, invalid held out (\(heldout_invalid | join("; ")))"
  elif .confirm != null then "passed screening, not confirmed"
  elif passed_screening then "passed screening"
  elif .score.valid == true then "valid \(.score.comparable_score * 1000 | round / 1000)"
  else "invalid: \(.error.stage // "score")" end;
# A repeat of a candidate the run evaluated (bin/stage/apply.sh): "duplicate" (the same
# change, archived with the original's verdict), "novelty" (too near one, twice), or
# null.  Neither was built or measured: a budget's hours leave them out.
def repeat: .error.stage | if . == "duplicate" or . == "novelty" then . else null end;
# A run's or a track's records (an array) by repeat: duplicates, proposals too near an
# evaluated one (asked again), and those too near twice (archived as novelty).
def repeats: {duplicates: map(select(repeat == "duplicate")) | length,
              too_near: map(select(.asked_again != null)) | length,
              novelty: map(select(repeat == "novelty")) | length};
# How far a run's records (an array) got, stage by stage (new: applied, and not a
# repeat), as the progress line and make status print it; $conf: the run's
# confirm.jsonl lines.
def funnel($conf): "applied \(map(select(.apply.ok == true)) | length) / new \(map(select(.apply.ok == true and repeat == null)) | length) / built \(map(select(.build.ok == true)) | length) / tested \(map(select(.test.ok == true)) | length) / passed screening \(map(select(passed_screening)) | length) / confirmed \($conf | map(select(confirmed_better)) | length)";
# The best screening figure of a run's records (an array): null before a valid candidate.
def screening_best: map(select(.score.valid == true and .pristine != true) | .score.comparable_score) | max // null;
# What a run's records (an array) cost in model calls, USD (their llm.cost_usd, priced
# by AIOPT_PRICES): null when any call's cost is unknown (an unpriced remote model),
# never a sum that leaves those out.
def cost_usd: if any(.[]; .llm.cost_usd == null) then null else map(.llm.cost_usd) | add // 0 end;

# ---- what a runs directory may say --------------------------------------------------
# Runs are copied between machines and colleagues: what is under one is data, and a
# name becomes a path or a link only if it is one the runner makes.  A candidate's id
# (llm-mutate: c<iteration, 4+ digits>-<6 hex digits>), a track (run_track.sh's list:
# lower-case letters, digits, _), a seed (decimal).  Everything else is skipped, said.
def id_ok: type == "string" and test("^c[0-9]{4,9}-[0-9a-f]{6}$");
def track_ok: type == "string" and test("^[a-z][a-z0-9_]{0,63}$");
def seed_ok: type == "string" and test("^[0-9]{1,9}$");
# A machine's fingerprint (bin/node.sh: nodes.jsonl, bench.node) as a view shows it:
# its kind (12 hex digits, else the whole fingerprint is null), a host name, the CPU
# model with nothing that is markup or table syntax, the CPUs; a field of another
# shape is null.
def node_checked: if type == "object" and (.kind | type) == "string" and (.kind | test("^[0-9a-f]{12}$"))
  then {kind, host: ([.host | strings | select(test("^[A-Za-z0-9._-]{1,64}$"))][0]),
        cpu_model: ([.cpu_model | strings | gsub("[^A-Za-z0-9 ._()@+-]"; "") | .[0:60]][0]), cpus: ([.cpus | numbers][0])}
  else null end;
# Why a record cannot be shown, or null: every field a view reads, of the type the
# runner writes it with.  A view skips such a record, names it, and exits 1 at its end.
# (Its id becomes a path or a link only where it is also id_ok.)
def unreadable:
  def kind(p): try (p | type) catch "unreadable";
  def count(p): kind(p) as $k | $k == "null" or ($k == "number" and (p >= 0));
  if type != "object" then "not a JSON object"
  elif kind(.id) != "string" then "id \(.id | tojson | .[0:60]) is not text"
  elif kind(.iteration) != "number" then "iteration \(.iteration | tojson | .[0:40]) is not a number"
  elif (kind(.parent) | IN("null", "string") | not) then "parent \(.parent | tojson | .[0:60]) is not text"
  elif (kind(.timing) | IN("null", "object") | not) or (count(.timing.seconds) | not) then "timing.seconds is not a number of seconds (0 or more)"
  elif (kind(.llm) | IN("null", "object") | not) or (count(.llm.cost_usd) and count(.llm.prompt_tokens) and count(.llm.completion_tokens) | not) then "llm's cost or tokens are not numbers (0 or more)"
  elif .error != null and (kind(.error) != "object" or kind(.error.stage) != "string" or kind(.error.message) != "string") then "error is not {stage, message} as text"
  elif (kind(.score) | IN("null", "object") | not) or (kind(.score.comparable_score) | IN("null", "number") | not) then "score.comparable_score is not a number"
  else null end;
# An archive's line (jq -R) as a record, or {unreadable: "FILE:LINE: why"}; a line that
# is not JSON (a torn last line, which archive-append moves aside) is skipped.
def checked_line($file): input_line_number as $n | (try fromjson catch null) as $r
  | if $r == null then empty
    else ($r | unreadable) as $why | if $why == null then $r else {unreadable: "\($file):\($n): \($why)"} end end;
# Those lines (an array) joined by candidate: one {id, iteration, confirm, heldout, …}
# each, so confirmed_better sees both the confirmation and the held-out verdicts.
def stage_join: group_by(.id) | map(add);
# A line of confirm.jsonl, heldout.jsonl or minimize.jsonl ({id, iteration, STAGE}) a
# view can read, or nothing: the rest of those files is still shown.
def stage_line: objects | select((.id | type) == "string"
  and all(.confirm, .heldout, .minimize; type == "object" or . == null)
  and ((.confirm.score // null) | type | IN("object", "null"))
  and ((.confirm.score.comparable_score // null) | type | IN("number", "null"))
  and ((.heldout // {}) | all(.[]; type == "object" and ((.score // null) | type | IN("object", "null"))))
  and all(.minimize.hunks, .minimize.minimal, .minimize.subsets; type | IN("array", "null"))
  and ((.minimize.confirm // null) | type | IN("object", "null")));
