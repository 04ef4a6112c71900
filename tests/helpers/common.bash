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

# start_fake_model DIR EDIT-FILE [DELAY-MS], stop_fake_model DIR
# shellcheck source=tests/helpers/fake-model.bash
. "$TESTS_DIR/helpers/fake-model.bash"
