# Loaded by every bats file: the filters under test come first on PATH
# (AIOPT_BIN: bin/ or the sanitizer build), fixtures are real tool output.
TESTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOP="$(cd "$TESTS_DIR/.." && pwd)"
FIXTURES="$TESTS_DIR/fixtures"
export PATH="${AIOPT_BIN:-$TOP/bin}:$TOP/bin:$PATH"
# Sanitizer builds: fail the test on any report.
export ASAN_OPTIONS=abort_on_error=0:exitcode=99:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99
bats_require_minimum_version 1.5.0
# Tests set what they need: no experiment setting leaks in from make's
# environment (mk/experiment.mk exports them) or the user's shell.
while read -r _var; do
  case $_var in AIOPT_BIN|AIOPT_LIBCHECK) ;; *) unset "$_var" ;; esac
done < <(compgen -e | grep -E '^(AIOPT_|AI_OPT_)')
unset _var OPENAI_API_KEY EXP EXPERIMENTS

# A fake model on loopback (tests/helpers/fake-openai.js) answering every request
# with the edit in EDIT-FILE as a model's reply, DELAY-MS (0) after it came; in DIR:
# port, requests.jsonl, server.pid.  stop_fake_model DIR stops it.
start_fake_model() {   # DIR EDIT-FILE [DELAY-MS]
  jq -n --rawfile c "$2" --argjson delay "${3:-0}" \
    '[{status: 200, delay_ms: $delay, body: {choices: [{index: 0, finish_reason: "stop", message: {role: "assistant", content: $c}}]}}]' \
    > "$1/script.json"
  node "$TESTS_DIR/helpers/fake-openai.js" "$1/script.json" "$1/requests.jsonl" "$1/port" 3>&- &
  echo $! > "$1/server.pid"
  for _ in $(seq 100); do [ -s "$1/port" ] && return 0; sleep 0.05; done
  echo "the fake model did not start within 5 s" >&2
  return 1
}
stop_fake_model() { kill "$(cat "$1/server.pid")" 2>/dev/null || true; }   # DIR
