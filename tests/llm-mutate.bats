#!/usr/bin/env bats
# llm-mutate against a fake OpenAI-compatible server on loopback
# (tests/helpers/fake-openai.js).  The client under test is the one users run.

load helpers/common

EXPERIMENT_DIR="$TOP/experiments/experiment_a"
W=db/db_impl/db_impl_write.cc
EDIT_REPLY='I will annotate the loop.\n\ndb/db_impl/db_impl_write.cc\n<<<<<<< SEARCH\n    for (auto& log : logs_) {\n=======\n    for (auto& log : logs_) {  // each log\n>>>>>>> REPLACE\n'

setup() {
  TREE="$BATS_TEST_TMPDIR/tree"
  RUN="$BATS_TEST_TMPDIR/run"
  mkdir -p "$TREE/db/db_impl" "$RUN"
  cp "$FIXTURES/rocksdb-7.8.3/$W" "$TREE/$W"
  unset OPENAI_API_KEY AI_OPT_API_KEY
  # The experiment's settings, the way a user running llm-mutate by hand gets them.
  eval "$(make -s --no-print-directory -C "$TOP" experiment-env)"
  export AIOPT_LLM_BACKOFF_MS=50
  PARENT='{"id":"c0003-aa12cd","parent":"pristine","iteration":3,"seed":1,"experiment":"experiment_a","dir":"'"$RUN"'/c0003-aa12cd","score":{"valid":true,"combined_score":1.02,"comparable_score":1.02,"terms":{"throughput":{"value":1.031,"ci_low":0.998,"ci_high":1.064}}}}'
}

teardown() {
  [ -z "${SERVER_PID:-}" ] || kill "$SERVER_PID" 2>/dev/null || true
}

# serve REPLY...: start the fake server with these replies (JSON), in order.
serve() {
  [ -z "${SERVER_PID:-}" ] || kill "$SERVER_PID" 2>/dev/null || true   # one server a test at a time
  printf '%s\n' "$@" | jq -s . > "$BATS_TEST_TMPDIR/script.json"
  rm -f "$BATS_TEST_TMPDIR/port" "$BATS_TEST_TMPDIR/requests.jsonl"
  node "$TESTS_DIR/helpers/fake-openai.js" "$BATS_TEST_TMPDIR/script.json" \
    "$BATS_TEST_TMPDIR/requests.jsonl" "$BATS_TEST_TMPDIR/port" 3>&- &
  SERVER_PID=$!
  for _ in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/port" ] && break; sleep 0.05; done
  API="http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/port")/v1"
}

ok_reply() {   # CONTENT [FINISH]
  jq -cn --arg c "$(printf "$1")" --arg f "${2:-stop}" '{status:200, body:{choices:[{index:0, finish_reason:$f, message:{role:"assistant", content:$c}}]}}'
}

mutate() {   # MODEL [TRACK] [extra args]
  local model=$1 track=${2:-baseline}; shift; [ $# -gt 0 ] && shift
  llm-mutate --experiment "$EXPERIMENT_DIR" --track "$track" --model "$model" --api-base "$API" \
    --tree "$TREE" --run-dir "$RUN" "$@" <<<"$PARENT"
}

request() { jq -c "$1" "$BATS_TEST_TMPDIR/requests.jsonl"; }

@test "vLLM-style model: the exact request, the child record, the files" {
  serve "$(ok_reply "$EDIT_REPLY")"
  export OPENAI_API_KEY=sk-test-secret-123
  run --separate-stderr mutate qwen2.5-coder-32b
  [ "$status" -eq 0 ]
  [ "$(request '[.method,.path,.authorization,.content_type]')" = '["POST","/v1/chat/completions","Bearer sk-test-secret-123","application/json"]' ]
  [ "$(request '.body | keys')" = '["max_tokens","messages","model","temperature"]' ]
  [ "$(request '.body | [.model,.temperature,.max_tokens,(.messages|map(.role))]')" = '["qwen2.5-coder-32b",0.7,8192,["system","user"]]' ]
  [ "$(jq -c '[.parent,.iteration,.track,.seed,.llm.model,.llm.prompt_tokens,.llm.completion_tokens,.llm.finish_reason,.llm.attempts]' <<<"$output")" = \
    '["c0003-aa12cd",1,"baseline",1,"qwen2.5-coder-32b",1234,56,"stop",1]' ]
  dir=$(jq -r .dir <<<"$output")
  [ -f "$dir/prompt.md" ] && [ -f "$dir/response.md" ]
  [ "$(jq -r .diff <<<"$output")" = "$(printf "$EDIT_REPLY")" ]
  # The key reaches the Authorization header and nothing else.
  ! grep -rq sk-test-secret "$RUN" || false
  [[ "$output" != *sk-test-secret* ]]
}

@test "no key in the environment: no Authorization header (local servers)" {
  serve "$(ok_reply "$EDIT_REPLY")"
  run --separate-stderr mutate qwen2.5-coder-32b
  [ "$status" -eq 0 ]
  [ "$(request .authorization)" = null ]
}

@test "gpt-5: max_completion_tokens and reasoning_effort, never temperature or max_tokens" {
  serve "$(ok_reply "$EDIT_REPLY")"
  run --separate-stderr mutate gpt-5 gpt5
  [ "$status" -eq 0 ]
  [ "$(request '.body | keys')" = '["max_completion_tokens","messages","model","reasoning_effort"]' ]
  [ "$(request '.body | [.max_completion_tokens,.reasoning_effort]')" = '[8192,"medium"]' ]
}

@test "AIOPT_LLM_EXTRA adds and overrides request fields (null removes one)" {
  serve "$(ok_reply "$EDIT_REPLY")"
  AIOPT_LLM_EXTRA='{"top_p":0.9,"temperature":null,"max_tokens":100}' run --separate-stderr mutate qwen2.5-coder-32b
  [ "$status" -eq 0 ]
  [ "$(request '.body | [.top_p,.max_tokens,has("temperature")]')" = '[0.9,100,false]' ]
}

@test "429 with Retry-After, then success: waits as told, counts the attempts" {
  serve '{"status":429,"headers":{"retry-after":"1"},"body":{"error":{"message":"Rate limit reached"}}}' "$(ok_reply "$EDIT_REPLY")"
  run --separate-stderr mutate qwen2.5-coder-32b
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.llm.attempts, (.llm.seconds >= 1), has("error")]' <<<"$output")" = '[2,true,false]' ]
  [[ "$stderr" == *"rate limited (429); retrying in 1.0 s"* ]]
  [ "$(wc -l < "$BATS_TEST_TMPDIR/requests.jsonl")" -eq 2 ]
}

@test "a server that does not answer in time: a timeout error, retried, then given up" {
  serve '{"status":200,"delay_ms":5000,"body":{"choices":[]}}'
  AIOPT_LLM_TIMEOUT=1 AIOPT_LLM_RETRIES=1 run --separate-stderr mutate qwen2.5-coder-32b
  [ "$status" -eq 0 ]
  [ "$(jq -r .error.stage <<<"$output")" = llm ]
  [[ "$(jq -r .error.message <<<"$output")" == *"imed out"*"gave up after retries"* ]]
  [ "$(jq .llm.attempts <<<"$output")" = 2 ]
  # no completion came: unanswered (the runner asks again), and it cost nothing, even priced
  [ "$(jq -c '[.llm.answered, .llm.cost_usd]' <<<"$output")" = '[false,0]' ]
}

@test "no server listening: unanswered, cost 0 even for a priced remote-looking model; a reply without an edit is answered" {
  AIOPT_LLM_RETRIES=1 AIOPT_PRICES='qwen2.5-coder-32b=2/8' run --separate-stderr \
    llm-mutate --experiment "$EXPERIMENT_DIR" --track baseline --model qwen2.5-coder-32b \
    --api-base http://127.0.0.1:9/v1 --tree "$TREE" --run-dir "$RUN" <<<"$PARENT"
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.error.stage, .llm.answered, .llm.cost_usd, .llm.prompt_tokens, .llm.attempts]' <<<"$output")" = '["llm",false,0,null,2]' ]
  [[ "$(jq -r .error.message <<<"$output")" == *"127.0.0.1:9/v1/chat/completions"*"gave up after retries"* ]]
  serve "$(ok_reply 'I would rather not.')"
  run --separate-stderr mutate qwen2.5-coder-32b
  [ "$(jq -c '[.error.stage, .llm.answered]' <<<"$output")" = '["llm",true]' ]
}

@test "usage figures that are not whole numbers in [0, 2^53): unknown, with a warning, never spending" {
  for bad in 1e16 -5 12.5 '"1234"' 9007199254740992; do
    serve '{"status":200,"body":{"usage":{"prompt_tokens":'"$bad"',"completion_tokens":56},"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"x"}}]}}'
    AIOPT_PRICES='qwen2.5-coder-32b=2/8' run --separate-stderr mutate qwen2.5-coder-32b
    [ "$status" -eq 0 ]
    [ "$(jq -c '[.llm.prompt_tokens, .llm.completion_tokens, .llm.cost_usd, .llm.answered]' <<<"$output")" = '[null,56,null,true]' ]
    [[ "$(jq -r '.warnings[]' <<<"$output")" == *"usage.prompt_tokens is "*"not a whole number of tokens below 2^53: taken as unknown"* ]]
    [[ "$stderr" == *"usage.prompt_tokens"* ]]
    kill "$SERVER_PID"; SERVER_PID=
  done
}

@test "--probe: asks GET /models once; says whether the server serves the model; no prompt settings needed" {
  serve "$(ok_reply x)"
  env -i PATH="$PATH" "$AIOPT_BIN/llm-mutate" --probe --model qwen2.5-coder-32b --api-base "$API" > "$BATS_TEST_TMPDIR/out" 2>&1 || status=$?
  [ "${status:-0}" -eq 1 ]
  grep -q "qwen2.5-coder-32b at $API: answers, but does not serve model \"qwen2.5-coder-32b\" (it lists 1: \"fake-coder\")" "$BATS_TEST_TMPDIR/out"
  run "$AIOPT_BIN/llm-mutate" --probe --model fake-coder --api-base "$API/"
  [ "$status" -eq 0 ]
  [ "$output" = "fake-coder at $API/: answers and serves model \"fake-coder\"" ]
  [ "$(jq -r .path "$BATS_TEST_TMPDIR/requests.jsonl.models" | sort -u)" = /v1/models ]
  [ ! -e "$BATS_TEST_TMPDIR/requests.jsonl" ]   # no completion asked for
  kill "$SERVER_PID"; SERVER_PID=
  run "$AIOPT_BIN/llm-mutate" --probe --model fake-coder --api-base "http://me:pw@127.0.0.1:9/v1"
  [ "$status" -eq 4 ]
  [[ "$output" == *"no answer"*"Couldn't connect"* ]]
  [[ "$output" != *"me:pw"* ]]
  # a server that keeps no list answers: passed, saying the model is not checked
  FAKE_MODELS=- serve '{"status":404,"body":"not found"}'
  run "$AIOPT_BIN/llm-mutate" --probe --model fake-coder --api-base "$API"
  [ "$status" -eq 0 ]
  [[ "$output" == *"answers, but keeps no model list"* ]]
}

@test "401: immediate error quoting the server" {
  serve '{"status":401,"body":{"error":{"message":"Incorrect API key provided: sk-wr***ng.","type":"invalid_request_error"}}}'
  run --separate-stderr mutate gpt-5 gpt5
  [ "$(jq .llm.attempts <<<"$output")" = 1 ]
  [[ "$(jq -r .error.message <<<"$output")" == *"HTTP 401"*"Incorrect API key provided"* ]]
}

@test "404 for a wrong model name says so" {
  serve '{"status":404,"body":{"error":{"message":"The model `qwen-typo` does not exist.","code":"model_not_found"}}}'
  run --separate-stderr mutate qwen-typo
  [[ "$(jq -r .error.message <<<"$output")" == *'HTTP 404'*'(model "qwen-typo")'*'The model `qwen-typo` does not exist.'* ]]
}

@test "an HTML 502 page: retried, then a precise error, no crash" {
  serve '{"status":502,"headers":{"content-type":"text/html"},"body":"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>"}'
  AIOPT_LLM_RETRIES=1 run --separate-stderr mutate qwen2.5-coder-32b
  [ "$status" -eq 0 ]
  [[ "$(jq -r .error.message <<<"$output")" == *"HTTP 502"*"after 2 attempts"*"502 Bad Gateway"* ]]
}

@test "a 200 whose body is not JSON" {
  serve '{"status":200,"headers":{"content-type":"text/html"},"body":"<html>oops</html>"}'
  run --separate-stderr mutate qwen2.5-coder-32b
  [[ "$(jq -r .error.message <<<"$output")" == *"not JSON (HTTP 200, text/html): oops"* ]]
}

@test "a reply cut at the token limit says so" {
  serve "$(ok_reply 'db/db_impl/db_impl_write.cc\n<<<<<<< SEARCH\n    for (auto' length)"
  run --separate-stderr mutate qwen2.5-coder-32b
  [[ "$(jq -r .error.message <<<"$output")" == *'cut off at the token limit (finish_reason "length"'* ]]
  [ "$(jq -r .llm.finish_reason <<<"$output")" = length ]
  [ -f "$(jq -r .dir <<<"$output")/response.md" ]
}

@test "a reply without an edit: error record, reply kept" {
  serve "$(ok_reply 'The code already looks optimal to me.')"
  run --separate-stderr mutate qwen2.5-coder-32b
  [ "$status" -eq 0 ]
  [[ "$(jq -r .error.message <<<"$output")" == "no edit in reply"* ]]
  [ "$(jq -r .diff <<<"$output")" = null ]
  [ "$(cat "$(jq -r .dir <<<"$output")/response.md")" = 'The code already looks optimal to me.' ]
}

@test "content null beside reasoning_content" {
  serve '{"status":200,"body":{"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":null,"reasoning_content":"thinking..."}}]}}'
  run --separate-stderr mutate qwen2.5-coder-32b
  [[ "$(jq -r .error.message <<<"$output")" == *"no content (content null; the model wrote only reasoning_content)"* ]]
}

@test "several choices: the first is used" {
  serve "$(jq -cn --arg c "$(printf "$EDIT_REPLY")" '{status:200, body:{choices:[{index:0,finish_reason:"stop",message:{role:"assistant",content:$c}},{index:1,finish_reason:"stop",message:{role:"assistant",content:"other"}}]}}')"
  run --separate-stderr mutate qwen2.5-coder-32b
  [ "$(jq -r .diff <<<"$output")" = "$(printf "$EDIT_REPLY")" ]
}

@test "--record then --replay: the same child, offline; a changed prompt is a clear miss" {
  serve "$(ok_reply "$EDIT_REPLY")"
  run --separate-stderr mutate qwen2.5-coder-32b baseline --record "$BATS_TEST_TMPDIR/cassette.jsonl"
  [ "$status" -eq 0 ]
  first=$(jq -c 'del(.llm.seconds,.llm.api_base)' <<<"$output")
  kill "$SERVER_PID"; SERVER_PID=
  run --separate-stderr mutate qwen2.5-coder-32b baseline --replay "$BATS_TEST_TMPDIR/cassette.jsonl"
  [ "$status" -eq 0 ]
  [ "$(jq -c 'del(.llm.seconds,.llm.api_base)' <<<"$output")" = "$first" ]
  ! grep -q Authorization "$BATS_TEST_TMPDIR/cassette.jsonl" || false
  run --separate-stderr mutate other-model baseline --replay "$BATS_TEST_TMPDIR/cassette.jsonl"
  [[ "$(jq -r .error.message <<<"$output")" == *"no recorded reply for this request"* ]]
}

@test "the ledger: llm.cost_usd from AIOPT_PRICES; 0 for a local model unpriced; null for a remote one unpriced or without token counts" {
  serve "$(ok_reply "$EDIT_REPLY")"
  # priced: 1234 prompt tokens at 2 USD/M + 56 completion tokens at 8 USD/M
  AIOPT_PRICES='gpt-5=1.25/10,qwen2.5-coder-32b=2/8' run --separate-stderr mutate qwen2.5-coder-32b baseline --record "$BATS_TEST_TMPDIR/cassette.jsonl"
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.llm.prompt_tokens, .llm.completion_tokens, .llm.cost_usd]' <<<"$output")" = '[1234,56,0.002916]' ]
  # a model served on this machine (loopback), not priced: costs nothing
  run --separate-stderr mutate qwen2.5-coder-32b
  [ "$(jq -c .llm.cost_usd <<<"$output")" = 0 ]
  # a remote model not priced (the recorded reply, replayed as from a remote base): unknown, never 0
  kill "$SERVER_PID"; SERVER_PID=
  run --separate-stderr llm-mutate --experiment "$EXPERIMENT_DIR" --track baseline --model qwen2.5-coder-32b \
    --api-base https://api.example.com/v1 --tree "$TREE" --run-dir "$RUN" --replay "$BATS_TEST_TMPDIR/cassette.jsonl" <<<"$PARENT"
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.llm.prompt_tokens, .llm.cost_usd]' <<<"$output")" = '[1234,null]' ]
  # "local" is the address, not a prefix of the name: localhost in any case, 127/8, ::1
  for base in http://LOCALHOST:8000/v1 http://127.0.0.2:8000/v1 'http://[::1]:8000/v1' http://u:p@localhost/v1 http://127.0.0.1.example.invalid/v1; do
    run --separate-stderr llm-mutate --experiment "$EXPERIMENT_DIR" --track baseline --model qwen2.5-coder-32b \
      --api-base "$base" --tree "$TREE" --run-dir "$RUN" --replay "$BATS_TEST_TMPDIR/cassette.jsonl" <<<"$PARENT"
    case $base in *invalid*) want=null ;; *) want=0 ;; esac
    [ "$(jq -c .llm.cost_usd <<<"$output")" = "$want" ] || { echo "$base: $(jq -c .llm.cost_usd <<<"$output")"; false; }
  done
  # the table: spaces around entries are not part of a name; decimal only; a model once
  AIOPT_PRICES='gpt-5=1.25/10, qwen2.5-coder-32b = 2/8' run --separate-stderr llm-mutate --experiment "$EXPERIMENT_DIR" --track baseline \
    --model qwen2.5-coder-32b --api-base https://api.example.com/v1 --tree "$TREE" --run-dir "$RUN" --replay "$BATS_TEST_TMPDIR/cassette.jsonl" <<<"$PARENT"
  [ "$(jq -c .llm.cost_usd <<<"$output")" = 0.002916 ]
  AIOPT_PRICES='qwen2.5-coder-32b=0x10/8' run --separate-stderr mutate qwen2.5-coder-32b
  [ "$status" -eq 2 ]
  [[ "$stderr" == *'"0x10" is not a number'* ]]
  AIOPT_PRICES='m1=1/2,gpt-5=1/1,m1=3/4' run --separate-stderr mutate qwen2.5-coder-32b
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"AIOPT_PRICES=m1=1/2,gpt-5=1/1,m1=3/4: m1 is priced twice"* ]]
  # priced, but the server reported no tokens: unknown
  serve '{"status":200,"body":{"usage":{},"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"x"}}]}}'
  AIOPT_PRICES='qwen2.5-coder-32b=2/8' run --separate-stderr mutate qwen2.5-coder-32b
  [ "$(jq -c '[.llm.prompt_tokens, .llm.cost_usd]' <<<"$output")" = '[null,null]' ]
  # a table that does not parse: refused before any request, naming the entry
  AIOPT_PRICES='gpt-5=1.25/10,qwen=cheap' run --separate-stderr mutate qwen2.5-coder-32b
  [ "$status" -eq 2 ]
  [[ "$stderr" == *'AIOPT_PRICES=gpt-5=1.25/10,qwen=cheap: "qwen=cheap" is not MODEL=IN/OUT (USD per million input/output tokens)'* ]]
  AIOPT_PRICES='qwen=1/-2' run --separate-stderr mutate qwen2.5-coder-32b
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"AIOPT_PRICES=qwen=1/-2: qwen's price: "*"-2"* ]]
}

@test "--scripted DIR: edits from files in order, labelled scripted" {
  mkdir -p "$BATS_TEST_TMPDIR/scripted"
  printf "$EDIT_REPLY" > "$BATS_TEST_TMPDIR/scripted/01-annotate.md"
  run --separate-stderr llm-mutate --experiment "$EXPERIMENT_DIR" --track profiler --scripted "$BATS_TEST_TMPDIR/scripted" \
    --tree "$TREE" --run-dir "$RUN" --iteration 1 <<<"$PARENT"
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.llm.model,.llm.script,.llm.prompt_tokens,.llm.cost_usd,has("error")]' <<<"$output")" = '["scripted","01-annotate.md",null,0,false]' ]
  run --separate-stderr llm-mutate --experiment "$EXPERIMENT_DIR" --track profiler --scripted "$BATS_TEST_TMPDIR/scripted" \
    --tree "$TREE" --run-dir "$RUN" --iteration 2 <<<"$PARENT"
  [[ "$(jq -r .error.message <<<"$output")" == *"no edit for iteration 2 (the directory has 1)"* ]]
}

@test "--note: asked again, the note follows the task in the prompt; a scripted edit then comes from again/" {
  mkdir -p "$BATS_TEST_TMPDIR/scripted/again"
  printf "$EDIT_REPLY" > "$BATS_TEST_TMPDIR/scripted/01-annotate.md"
  printf "$EDIT_REPLY" | sed 's/each log/every log/' > "$BATS_TEST_TMPDIR/scripted/again/01-annotate.md"
  note=$'## Your proposal was not measured\n\nToo near c0001-abcdef.'
  run --separate-stderr llm-mutate --experiment "$EXPERIMENT_DIR" --track profiler --scripted "$BATS_TEST_TMPDIR/scripted" \
    --tree "$TREE" --run-dir "$RUN" --iteration 1 --note "$note" <<<"$PARENT"
  [ "$status" -eq 0 ]
  [ "$(jq -r .llm.script <<<"$output")" = again/01-annotate.md ]
  [[ "$(jq -r .diff <<<"$output")" == *"// every log"* ]]
  prompt=$(cat "$(jq -r .dir <<<"$output")/prompt.md")
  [[ "$prompt" == *"Now propose one change as SEARCH/REPLACE blocks."$'\n\n'"$note"* ]]
  # again/ is no iteration's edit: the directory still has one
  run --separate-stderr llm-mutate --experiment "$EXPERIMENT_DIR" --track profiler --scripted "$BATS_TEST_TMPDIR/scripted" \
    --tree "$TREE" --run-dir "$RUN" --iteration 2 <<<"$PARENT"
  [[ "$(jq -r .error.message <<<"$output")" == *"no edit for iteration 2 (the directory has 1)"* ]]
  # a model asked again gets the note in its request
  serve "$(ok_reply "$EDIT_REPLY")"
  run --separate-stderr mutate qwen2.5-coder-32b baseline --note "$note"
  [ "$status" -eq 0 ]
  [[ "$(request '.body.messages[-1].content')" == *'SEARCH/REPLACE blocks.\n\n## Your proposal was not measured\n\nToo near c0001-abcdef.\n"' ]]
}

@test "the prompt holds the experiment's functions with their exact text" {
  serve "$(ok_reply "$EDIT_REPLY")"
  run --separate-stderr mutate qwen2.5-coder-32b
  prompt=$(cat "$(jq -r .dir <<<"$output")/prompt.md")
  # both WriteToWAL overloads (lines 1282-1319 and 1321-1415 of the file), verbatim
  [[ "$prompt" == *"$(sed -n 1282,1319p "$TREE/$W")"* ]]
  [[ "$prompt" == *"$(sed -n 1321,1415p "$TREE/$W")"* ]]
  [[ "$prompt" == *"$(sed -n 162,646p "$TREE/$W")"* ]]   # DBImpl::WriteImpl
  [[ "$prompt" != *"Status DBImpl::SwitchWAL("* ]]       # not asked for
  [[ "$prompt" == *"throughput: 1.031 × pristine (95 % CI 0.998–1.064)"* ]]
  # a budget that holds the whole file: the whole file
  AIOPT_PROMPT_CODE_CHARS=1000000 run --separate-stderr mutate qwen2.5-coder-32b
  prompt=$(cat "$(jq -r .dir <<<"$output")/prompt.md")
  [[ "$prompt" == *"$(cat "$TREE/$W")"* ]]
}

@test "history: the last attempts from this parent, with their errors" {
  {
    echo '{"id":"c0004-000001","parent":"c0003-aa12cd","error":{"stage":"apply","message":"block 1 (SEARCH starting \"foo\") does not match db/db_impl/db_impl_write.cc; closest: lines 10-12"}}'
    echo '{"id":"c0005-000002","parent":"c0001-other","error":{"stage":"build","message":"unrelated"}}'
    echo '{"id":"c0006-0000'   # a torn last line, as after a crash
  } > "$BATS_TEST_TMPDIR/archive.jsonl"
  serve "$(ok_reply "$EDIT_REPLY")"
  run --separate-stderr mutate qwen2.5-coder-32b baseline --archive "$BATS_TEST_TMPDIR/archive.jsonl"
  [ "$status" -eq 0 ]
  prompt=$(cat "$(jq -r .dir <<<"$output")/prompt.md")
  [[ "$prompt" == *'- attempt c0004-000001: failed at apply: block 1 (SEARCH starting "foo") does not match'* ]]
  [[ "$prompt" != *unrelated* ]]
  [ "$(jq .iteration <<<"$output")" = 3 ]   # two readable records + 1
  [[ "$(jq -r '.warnings[0]' <<<"$output")" == *"archive.jsonl:3: unreadable last line (a torn write?): skipped"* ]]
}

@test "inspiration: the best by confirmed figures; a screening win that fresh pairs refuted comes last" {
  mkdir -p "$RUN/c0001-aaaaaa" "$RUN/c0002-bbbbbb"
  echo '--- screening-lucky patch' > "$RUN/c0001-aaaaaa/patch.diff"
  echo '--- confirmed patch' > "$RUN/c0002-bbbbbb/patch.diff"
  {
    echo '{"id":"c0001-aaaaaa","parent":"pristine","dir":"'"$RUN"'/c0001-aaaaaa","apply":{"patch":"patch.diff"},"score":{"valid":true,"combined_score":1.09},"confirm":{"score":{"valid":true,"combined_score":0.98}}}'
    echo '{"id":"c0002-bbbbbb","parent":"pristine","dir":"'"$RUN"'/c0002-bbbbbb","apply":{"patch":"patch.diff"},"score":{"valid":true,"combined_score":1.04}}'
  } > "$BATS_TEST_TMPDIR/archive.jsonl"
  serve "$(ok_reply "$EDIT_REPLY")"
  run --separate-stderr mutate qwen2.5-coder-32b baseline --archive "$BATS_TEST_TMPDIR/archive.jsonl"
  [ "$status" -eq 0 ]
  prompt=$(cat "$(jq -r .dir <<<"$output")/prompt.md")
  [[ "$prompt" == *'### c0002-bbbbbb (combined score 1.040)'*'### c0001-aaaaaa (combined score 0.980, measured again)'* ]]
  [[ "$prompt" != *1.090* ]]
}

@test "an archive with a bad line before its last is not an archive: exit 1 naming file and line, no request" {
  printf '%s\n' '{"id":"c0001-aa"}' 'not json' '{"id":"c0002-bb"}' > "$BATS_TEST_TMPDIR/archive.jsonl"
  serve "$(ok_reply "$EDIT_REPLY")"
  run --separate-stderr mutate qwen2.5-coder-32b baseline --archive "$BATS_TEST_TMPDIR/archive.jsonl"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"archive.jsonl:2: not a JSON object: not an archive"* ]]
  [ ! -s "$BATS_TEST_TMPDIR/requests.jsonl" ]
}

@test "AIOPT_PROFILE_IN_PROMPT (the ablation's prompt switch): the same prompt but for the profile section" {
  PARENT=$(jq -c '.coz = {"lines":[{"location":"db/db_impl/db_impl_write.cc:1380","point":"db_bench.write","impact_pct":12.5,"max_speedup_pct":30.2,"context":{"lines":[{"line":1380,"text":"      io_s = log.writer->file()->Sync(immutable_db_options_.use_fsync);"}]}}]}' <<<"$PARENT")
  # the cpu channel's counts: per function, profile information; the whole count is the score's cpu term
  PARENT=$(jq -c '.score.terms.cpu = {"value":1.0042,"ci_low":1.0032,"ci_high":1.0052} | .bench.cost = {"args":"--num=20000",
    "baseline":{"instructions_per_op":9157.4,"functions":[{"name":"DBImpl::WriteImpl","instructions_per_op":6323.7},{"name":"DBImpl::WriteToWAL","instructions_per_op":257.5},{"name":"DBImpl::DelayWrite","instructions_per_op":0}]},
    "candidate":{"instructions_per_op":9119.0,"functions":[{"name":"DBImpl::WriteImpl","instructions_per_op":6285.2},{"name":"DBImpl::WriteToWAL","instructions_per_op":219.0},{"name":"DBImpl::DelayWrite","instructions_per_op":0}]}}' <<<"$PARENT")
  serve "$(ok_reply "$EDIT_REPLY")"
  # the switch, not the track's name, decides: unset is off, even on a track called profiler
  run --separate-stderr mutate qwen2.5-coder-32b profiler --iteration 7
  scalar=$(jq -r .dir <<<"$output")/prompt.md
  AIOPT_PROFILE_IN_PROMPT=1 run --separate-stderr mutate qwen2.5-coder-32b profiler --iteration 8
  profiler=$(jq -r .dir <<<"$output")/prompt.md
  AIOPT_PROFILE_IN_PROMPT=2 run --separate-stderr mutate qwen2.5-coder-32b profiler --iteration 9
  [ "$status" -eq 2 ]
  [[ "$stderr" == *AIOPT_PROFILE_IN_PROMPT*2* ]]
  grep -q 'Where the time goes' "$profiler"
  grep -q 'db_impl_write.cc:1380 (progress point db_bench.write): .* up to 30.2 %' "$profiler"
  ! grep -q 'Where the time goes' "$scalar" || false
  grep -qx -- '- DBImpl::WriteToWAL: 219.0 (pristine 257.5, -38.5)' "$profiler"
  grep -qx -- '- DBImpl::WriteImpl: 6285.2 (pristine 6323.7, -38.5)' "$profiler"
  ! grep -q -- '- DBImpl::DelayWrite: ' "$profiler" || false   # not on the counted path
  ! grep -q 'Instructions per write\|WriteToWAL: 219' "$scalar" || false
  # both see the score's cpu term, a count, not called an interval
  grep -qx -- '- cpu: 1.004 × pristine (instructions per write, counted; above 1: fewer)' "$scalar"
  # The only difference: one block of lines added on the profiler track, the profile section.
  run diff "$scalar" "$profiler"
  [ "$status" -eq 1 ]
  ! grep -q '^<' <<<"$output" || false
  [ "$(grep -c '^[0-9]' <<<"$output")" -eq 1 ]
  grep -q '^> ## Where the time goes' <<<"$output"
}

@test "no model configured: stop before any work, pointing at make demo" {
  run --separate-stderr llm-mutate --experiment "$EXPERIMENT_DIR" --track baseline --tree "$TREE" <<<"$PARENT"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"--model and --api-base are required"*"make demo"* ]]
}

@test "waits are bounded: a huge, infinite or absurd Retry-After waits at most AIOPT_LLM_MAX_WAIT" {
  for after in 100000000 inf 1e30 -5 nan; do
    serve "{\"status\":429,\"headers\":{\"retry-after\":\"$after\"},\"body\":{\"error\":{\"message\":\"slow down\"}}}" "$(ok_reply "$EDIT_REPLY")"
    AIOPT_LLM_MAX_WAIT=1 run --separate-stderr timeout 20 bash -c "$(declare -f mutate); API=$API EXPERIMENT_DIR=$EXPERIMENT_DIR TREE=$TREE RUN=$RUN PARENT='$PARENT' mutate qwen2.5-coder-32b"
    [ "$status" -eq 0 ]
    [ "$(jq .llm.attempts <<<"$output")" = 2 ]
    [[ "$stderr" =~ retrying\ in\ (0\.[0-9]|1\.0)\ s ]]
    kill "$SERVER_PID"; SERVER_PID=
  done
  # the exponential backoff is capped too: 2^20 x 50 ms would be 14 hours
  serve '{"status":503,"body":"busy"}'
  AIOPT_LLM_MAX_WAIT=0 AIOPT_LLM_RETRIES=20 run --separate-stderr timeout 20 bash -c "$(declare -f mutate); API=$API EXPERIMENT_DIR=$EXPERIMENT_DIR TREE=$TREE RUN=$RUN PARENT='$PARENT' mutate qwen2.5-coder-32b"
  [ "$status" -eq 0 ]
  [ "$(jq .llm.attempts <<<"$output")" = 21 ]
}

@test "no timeout is no setting: 0, negative, huge or junk AIOPT_LLM_TIMEOUT is refused, naming it" {
  serve "$(ok_reply "$EDIT_REPLY")"
  for t in 0 -1 99999999999999999999 10s; do
    AIOPT_LLM_TIMEOUT=$t run --separate-stderr mutate qwen2.5-coder-32b
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"AIOPT_LLM_TIMEOUT: "*"$t"* ]]
  done
  AIOPT_TEMPERATURE=nan run --separate-stderr mutate qwen2.5-coder-32b
  [ "$status" -eq 2 ]
  [[ "$stderr" == *'AIOPT_TEMPERATURE: "nan" is not a number'* ]]
}

@test "replies have a size limit: a server streaming without end is cut off, not kept" {
  serve "$(jq -cn '{status:200, body:{choices:[{index:0, finish_reason:"stop", message:{role:"assistant", content:("x" * 3000000)}}]}}')"
  AIOPT_LLM_MAX_REPLY_BYTES=1000000 run --separate-stderr mutate qwen2.5-coder-32b
  [ "$status" -eq 0 ]
  [ "$(jq -c '[.error.stage, .llm.attempts, .diff]' <<<"$output")" = '["llm",1,null]' ]
  [[ "$(jq -r .error.message <<<"$output")" == *"the reply exceeded 1000000 bytes (AIOPT_LLM_MAX_REPLY_BYTES); cut off"* ]]
}

@test "a redirect or a 2xx other than 200 is not read as a completion" {
  for st in 201 302; do
    serve "$(ok_reply "$EDIT_REPLY" | jq -c --argjson s "$st" '.status = $s | .headers = {location: "/elsewhere"}')"
    run --separate-stderr mutate qwen2.5-coder-32b
    [ "$(jq -c '[.error.stage, .diff]' <<<"$output")" = '["llm",null]' ]
    [[ "$(jq -r .error.message <<<"$output")" == "HTTP $st from "*": not a completion (expected 200)" ]]
    kill "$SERVER_PID"; SERVER_PID=
  done
}

@test "a server echoing the API key or control bytes: neither reaches the record" {
  serve '{"status":401,"body":{"error":{"message":"bad key sk-test-1234567890abcdef\u001b[31m red"}}}'
  OPENAI_API_KEY=sk-test-1234567890abcdef run --separate-stderr mutate qwen2.5-coder-32b
  [[ "$output" != *"sk-test-1234567890abcdef"* ]]
  [[ "$output" != *$'\e'* && "$output" != *'\u001b'* ]]
  [[ "$(jq -r .error.message <<<"$output")" == *"bad key ************************ [31m red"* ]]
}

@test "a reply that is no completion is kept in response.md as the server sent it" {
  serve '{"status":502,"headers":{"content-type":"text/html"},"body":"<html><h1>502 Bad Gateway</h1></html>"}'
  AIOPT_LLM_RETRIES=0 run --separate-stderr mutate qwen2.5-coder-32b
  dir=$(jq -r .dir <<<"$output")
  [ "$(jq -r .llm.file <<<"$output")" = response.md ]
  [ "$(cat "$dir/response.md")" = "<html><h1>502 Bad Gateway</h1></html>" ]
}

@test "one edit grammar: a reply llm-mutate accepts is one apply-diff applies, and the other way round" {
  # Six markers, as some models write them: the grammar allows 5 to 9.
  serve "$(ok_reply 'db/db_impl/db_impl_write.cc\n<<<<<< SEARCH\n    while (logs_.front().IsSyncing()) {\n======\n    while (logs_.front().IsSyncing()) {  // each log\n>>>>>> REPLACE\n')"
  run --separate-stderr mutate qwen2.5-coder-32b
  [ "$status" -eq 0 ]
  [ "$(jq -r .error <<<"$output")" = null ]
  jq -c . <<<"$output" | apply-diff --tree "$TREE" --allow "$W" > "$BATS_TEST_TMPDIR/applied.json"
  [ "$(jq -r .apply.ok "$BATS_TEST_TMPDIR/applied.json")" = true ]
  grep -q '// each log' "$TREE/$W"
  # A malformed block is no edit to either, and llm-mutate says why as apply-diff would.
  serve "$(ok_reply 'db/db_impl/db_impl_write.cc\n<<<<<<< SEARCH\n    for (auto& log : logs_) {\n>>>>>>> REPLACE\n')"
  run --separate-stderr mutate qwen2.5-coder-32b
  [ "$(jq -r .error.message <<<"$output")" = 'no edit in reply: block 1: SEARCH without its ======= line (the reply is in response.md)' ]
}

# A parent with real profiles: Coz's lines from the demo's archive (fixture), the
# off-CPU sites of a real perf recording and the per-function counts of a real
# Callgrind profile, each read by the tool that reads it in a run.
profiled_parent() {
  local coz offcpu cost
  coz=$(jq -c 'select(.id == "c0005-78109b") | .coz' "$FIXTURES/archives/demo/experiment_a/profiler/seed-1/archive.jsonl")
  offcpu=$(zcat "$FIXTURES/offcpu/rocksdb-7.8.3-db_bench-sync-4threads.perf-script.gz" | parse-offcpu --no-srcline --top 5)
  cost=$(zcat "$FIXTURES/callgrind/db_bench-fillrandom-2000.callgrind.gz" | parse-callgrind --operations 2000)
  PARENT=$(jq -c --argjson coz "$coz" --argjson offcpu "$offcpu" --argjson cost "$cost" \
    '.coz = $coz | .bperf = $offcpu | .bench.cost = {args: "--num=2000", baseline: $cost, candidate: $cost}' <<<"$PARENT")
}

@test "AIOPT_PROFILE_IN_PROMPT=sham: the same sections, length and figures as the real profile, its places drawn at random" {
  profiled_parent
  serve "$(ok_reply "$EDIT_REPLY")" "$(ok_reply "$EDIT_REPLY")" "$(ok_reply "$EDIT_REPLY")"
  AIOPT_PROFILE_IN_PROMPT=1 run --separate-stderr mutate qwen2.5-coder-32b profiler --iteration 8
  [ "$status" -eq 0 ]
  real_rec=$output real=$(jq -r .dir <<<"$output")/prompt.md
  AIOPT_PROFILE_IN_PROMPT=sham run --separate-stderr mutate qwen2.5-coder-32b profiler_sham --iteration 8 --run-dir "$RUN/sham"
  [ "$status" -eq 0 ]
  sham_rec=$output sham=$(jq -r .dir <<<"$output")/prompt.md
  # up to the profile section, the two prompts are the same
  [ "$(sed '/## Where the time goes/q' "$real")" = "$(sed '/## Where the time goes/q' "$sham")" ]
  # the same sections, and a length within 3 %
  headings() { grep -E '^(## |Where threads wait|Instructions per write|```)' "$1"; }
  [ "$(headings "$real")" = "$(headings "$sham")" ]
  awk -v a="$(wc -c < "$real")" -v b="$(wc -c < "$sham")" 'BEGIN { exit !(b / a > 0.97 && b / a < 1.03) }'
  # the same figures in the same order; the function counts the same figures dealt out again
  figures() { grep -oE '(up to|impact) -?[0-9.]+ %|^- [0-9.]+ % [a-z]+' "$1"; }
  [ "$(figures "$real")" = "$(figures "$sham")" ]
  [ "$(figures "$real" | wc -l)" -ge 7 ]
  counts() { grep -oE '^- [A-Za-z:]+: [0-9.]+' "$1" | sed 's/.*: //' | sort; }
  [ "$(counts "$real")" = "$(counts "$sham")" ]
  # other places: every Coz line and off-CPU site moved to a code line of the target file
  [ "$(jq -c '.prompt_profile | [.mode, (.items | map(.kind) | unique)]' <<<"$sham_rec")" = '["sham",["coz","function","offcpu"]]' ]
  [ "$(jq -r '.prompt_profile.mode' <<<"$real_rec")" = real ]
  jq -r '.prompt_profile.items[] | select(.kind != "function") | "\(.file):\(.line)"' <<<"$sham_rec" > "$BATS_TEST_TMPDIR/places"
  [ "$(wc -l < "$BATS_TEST_TMPDIR/places")" -eq 7 ]
  [ "$(sort -u "$BATS_TEST_TMPDIR/places" | wc -l)" -eq 7 ]
  while IFS=: read -r f l; do
    [ "$f" = "$W" ]
    text=$(sed -n "${l}p" "$TREE/$f")
    [[ $text =~ [A-Za-z0-9_] ]] && [[ ! $text =~ ^[[:space:]]*(//|/\*|\*|#) ]]
    grep -qF "$f:$l" "$sham"
  done < "$BATS_TEST_TMPDIR/places"
  [ "$(jq -c '[.prompt_profile.items[] | select(.kind == "coz") | .line]' <<<"$real_rec")" != \
    "$(jq -c '[.prompt_profile.items[] | select(.kind == "coz") | .line]' <<<"$sham_rec")" ]
  # the real profile's places, as the record keeps them for attribution
  [ "$(jq -c '[.prompt_profile.items[] | select(.kind == "coz") | [.file, .line]]' <<<"$real_rec")" = \
    "$(jq -c '[.coz.lines[] | ["db/db_impl/db_impl_write.cc", .line]]' <<<"$PARENT")" ]
  [ "$(jq -c '.prompt_profile.items[] | select(.kind == "function" and .name == "DBImpl::WriteImpl") | [.file, (.ranges | length > 0)]' <<<"$real_rec")" = \
    '["db/db_impl/db_impl_write.cc",true]' ]
  # drawn again the same: the run's seed and the iteration decide
  AIOPT_PROFILE_IN_PROMPT=sham run --separate-stderr mutate qwen2.5-coder-32b profiler_sham --iteration 8 --run-dir "$RUN/again"
  cmp "$sham" "$(jq -r .dir <<<"$output")/prompt.md"
  # a target file with no line of code (comments and #includes only): no place to draw,
  # said, and the call goes on without one (it once drew for ever)
  printf '// only a comment\n#include <cstdio>\n/* and\n   a block */\n' > "$TREE/$W"
  serve "$(ok_reply "$EDIT_REPLY")"
  AIOPT_PROFILE_IN_PROMPT=sham run --separate-stderr timeout 20 llm-mutate --experiment "$EXPERIMENT_DIR" --track profiler_sham \
    --model qwen2.5-coder-32b --api-base "$API" --tree "$TREE" --run-dir "$RUN/nocode" --iteration 8 <<<"$PARENT"
  [ "$status" -ne 124 ]
  [[ "$stderr" == *"the sham profile: no target file has a line of code to draw its places from; its places are left out"* ]]
  grep -q '^(No places: the target files hold no line of code.)$' "$RUN/nocode"/*/prompt.md
  [ "$(jq -c '.prompt_profile | [.places, (.items | map(.kind) | unique)]' <<<"$output")" = '["none: the target files hold no line of code",["function"]]' ]
}

@test "attribution (the apply stage's profile_hits): an edit at a line the prompt's profile flagged names it and Coz's prediction; one elsewhere touches nothing" {
  profiled_parent
  serve "$(ok_reply "$EDIT_REPLY")"
  AIOPT_PROFILE_IN_PROMPT=1 run --separate-stderr mutate qwen2.5-coder-32b profiler --iteration 8
  [ "$status" -eq 0 ]
  rec=$output
  # the Coz line at WriteToWAL's AddRecord (1308) is in the prompt
  [ "$(jq -c '[.prompt_profile.items[] | select(.kind == "coz") | .line]' <<<"$rec")" = '[295,1308]' ]
  for edit in drops-wal-append loop-per-write; do
    tree=$BATS_TEST_TMPDIR/$edit
    mkdir -p "$tree/db/db_impl"
    cp "$FIXTURES/rocksdb-7.8.3/$W" "$tree/$W"
    jq -c --rawfile d "$FIXTURES/edits/$edit.md" --arg dir "$tree" '.diff = $d | .dir = $dir' <<<"$rec" |
      apply-diff --tree "$tree" --allow "$W" > "$tree/apply.json"
    bash -c 'BIN=$1; . "$2/bin/stage/apply.sh"; profile_hits "$3" "$4"' hits "$AIOPT_BIN" "$TOP" "$tree/apply.json" "$tree/patch.diff"
  done
  # the WAL append dropped (lines 1304-1310 of the parent): the flagged line and the function it is in
  [ "$(jq -c '.profile_hits | [.mode, .shown, .places_touched, (.touched | map(.line // .name)), .predicted_speedup_pct]' "$BATS_TEST_TMPDIR/drops-wal-append/apply.json")" = \
    "[\"real\",12,1,[1308,\"DBImpl::WriteToWAL\"],$(jq '.coz.lines[] | select(.line == 1308) | .max_speedup_pct' <<<"$PARENT")]" ]
  # a loop at the start of DBImpl::Write (line 128): no place the profile named
  [ "$(jq -c '.profile_hits | [.places_touched, .touched, .predicted_speedup_pct]' "$BATS_TEST_TMPDIR/loop-per-write/apply.json")" = '[0,[],null]' ]
}

@test "leakage control: a held-out workload never reaches a prompt, nor its results, whatever the parent and archive hold" {
  profiled_parent
  # the confirmed best's held-out measurements, as the run records them, in the parent and the archive
  heldout='{"sync":{"benchmark":"fillrandom","score":{"valid":true,"terms":{"throughput":{"value":0.806745313410855}}}},"readheavy":{"benchmark":"readrandomwriterandom","score":{"valid":true,"terms":{"throughput":{"value":0.7412833762164998}}}}}'
  PARENT=$(jq -c --argjson h "$heldout" '.heldout = $h' <<<"$PARENT")
  jq -c --argjson h "$heldout" --arg dir "$RUN/c0003-aa12cd" '.heldout = $h | .dir = $dir' <<<"$PARENT" > "$BATS_TEST_TMPDIR/archive.jsonl"
  for screened in l0 sync readheavy; do
    eval "$(env -u AIOPT_WORKLOAD AIOPT_BENCH_WORKLOAD=$screened make -s --no-print-directory -C "$TOP" experiment-env)"
    for mode in 0 1 sham; do
      AIOPT_PROFILE_IN_PROMPT=$mode llm-mutate --experiment "$EXPERIMENT_DIR" --track profiler --scripted "$TOP/experiments/experiment_a/scripted" \
        --tree "$TREE" --run-dir "$RUN/$screened-$mode" --iteration 4 --archive "$BATS_TEST_TMPDIR/archive.jsonl" <<<"$PARENT" > /dev/null
      prompt=$(cat "$RUN/$screened-$mode"/*/prompt.md)
      [[ "$prompt" == *"$AIOPT_WORKLOAD"* ]]
      for other in L0 SYNC READHEAVY; do
        v=AIOPT_WORKLOAD_$other
        [ "${!v}" = "$AIOPT_WORKLOAD" ] || [[ "$prompt" != *"${!v}"* ]]
      done
      case $screened in
        l0) others=(--sync '90 % reads') ;; sync) others=('L0 trigger' '90 % reads') ;; readheavy) others=(--sync) ;;
      esac
      for leak in 0.8067 0.7412 readrandomwriterandom readwritepercent heldout 'held out' 'held-out' "${others[@]}"; do
        [[ "$prompt" != *"$leak"* ]] || { echo "the prompt ($screened, profile $mode) shows $leak"; false; }
      done
    done
  done
}
