// fake-openai.js — a loopback stand-in for an OpenAI-compatible server (vLLM,
// llama.cpp, ollama /v1, OpenAI), for tests of the real client.
//
//   node fake-openai.js SCRIPT.json LOG.jsonl PORTFILE
//
// SCRIPT.json: an array of replies, served in order (the last repeats):
//   {"status": 200, "headers": {...}, "body": <object or raw string>, "delay_ms": 0}
// A body object with "choices" gets "usage" filled in when it has none.
// Every request is appended to LOG.jsonl as {method, path, authorization, body,
// received_at_ms} (the Unix time it came in, in ms).
// An entry {"die": true}: the server drops that request's connection and exits, as
// a model server that crashed or was preempted (later calls find no one listening).
// GET …/models answers the list of FAKE_MODELS (comma-separated; default
// fake-coder), as vLLM does, and is logged to LOG.jsonl.models, not LOG.jsonl;
// FAKE_MODELS=- keeps no list (GET …/models is served from SCRIPT like any request);
// FAKE_MODELS_ANSWERS=N: the server exits after answering N of them (a server that
// was there for a preflight and gone when the runs started).
// The port it listens on (127.0.0.1, chosen by the OS) is written to PORTFILE.
'use strict';
const http = require('http');
const fs = require('fs');
const [scriptPath, logPath, portFile] = process.argv.slice(2);
const script = JSON.parse(fs.readFileSync(scriptPath, 'utf8'));
let next = 0, modelsAnswered = 0;

const server = http.createServer((req, res) => {
  let data = '';
  req.on('data', chunk => { data += chunk; });
  req.on('end', () => {
    if (req.method === 'GET' && /\/models$/.test(req.url) && process.env.FAKE_MODELS !== '-') {
      fs.appendFileSync(logPath + '.models', JSON.stringify({ path: req.url, received_at_ms: Date.now() }) + '\n');
      const ids = (process.env.FAKE_MODELS || 'fake-coder').split(',').filter(Boolean);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: ids.map(id => ({ id, object: 'model', owned_by: 'vllm' })) }),
              () => { if (++modelsAnswered >= Number(process.env.FAKE_MODELS_ANSWERS || Infinity)) process.exit(0); });
      return;
    }
    let body;
    try { body = JSON.parse(data); } catch (e) { body = data; }
    fs.appendFileSync(logPath, JSON.stringify({
      method: req.method, path: req.url,
      authorization: req.headers.authorization || null,
      content_type: req.headers['content-type'] || null, body, received_at_ms: Date.now() }) + '\n');
    const reply = script[Math.min(next++, script.length - 1)];
    if (reply.die) { req.socket.destroy(); process.exit(0); }
    setTimeout(() => {
      const headers = Object.assign({}, reply.headers || {});
      let text = reply.body;
      if (typeof text !== 'string') {
        if (text && text.choices && !text.usage)
          text.usage = { prompt_tokens: 1234, completion_tokens: 56, total_tokens: 1290 };
        text = JSON.stringify(text);
        headers['content-type'] = headers['content-type'] || 'application/json';
      }
      res.writeHead(reply.status || 200, headers);
      res.end(text);
    }, reply.delay_ms || 0);
  });
});
server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(portFile + '.tmp', String(server.address().port));
  fs.renameSync(portFile + '.tmp', portFile);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
