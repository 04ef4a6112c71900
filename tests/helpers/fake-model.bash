# A fake model on loopback (tests/helpers/fake-openai.js) answering every request
# with the edit in EDIT-FILE as a model's reply, DELAY-MS (0) after it came; in DIR:
# port, requests.jsonl, server.pid.  stop_fake_model DIR stops it.
start_fake_model() {   # DIR EDIT-FILE [DELAY-MS]
  jq -n --rawfile c "$2" --argjson delay "${3:-0}" \
    '[{status: 200, delay_ms: $delay, body: {choices: [{index: 0, finish_reason: "stop", message: {role: "assistant", content: $c}}]}}]' \
    > "$1/script.json"
  node "$(dirname "${BASH_SOURCE[0]}")/fake-openai.js" "$1/script.json" "$1/requests.jsonl" "$1/port" 3>&- &
  echo $! > "$1/server.pid"
  for _ in $(seq 100); do [ -s "$1/port" ] && return 0; sleep 0.05; done
  echo "the fake model did not start within 5 s" >&2
  return 1
}
stop_fake_model() { kill "$(cat "$1/server.pid")" 2>/dev/null || true; }   # DIR
