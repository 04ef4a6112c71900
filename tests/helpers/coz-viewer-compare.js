// coz-viewer-compare.js PROFILE MIN_POINTS PARSE_COZ_LINES_JSONL
// Runs Coz's own viewer code (Debian coz-profiler's viewer/js/profile.js) on
// PROFILE and compares every (line, progress point)'s impact, max and min
// program speedup, and the per-line figures across points, with parse-coz's
// --lines output.  Prints the comparisons made; exits 1 on any difference > 1e-9.
'use strict';
const fs = require('fs');
const vm = require('vm');
const [profilePath, minPointsArg, oursPath] = process.argv.slice(2);
const viewer = process.env.COZ_VIEWER_JS || '/usr/share/coz-profiler/viewer/js/profile.js';

const sandbox = {};
vm.createContext(sandbox);
vm.runInContext(fs.readFileSync(viewer, 'utf8') +
  '\nthis.Profile = Profile; this.max_normalized_area = max_normalized_area;' +
  '\nthis.max_progress_speedup = max_progress_speedup; this.min_progress_speedup = min_progress_speedup;',
  sandbox);

const warnings = [];
const profile = new sandbox.Profile(fs.readFileSync(profilePath, 'utf8'), null, null,
  () => Number(minPointsArg), (title, text) => warnings.push(title));
const theirs = profile.getSpeedupData(Number(minPointsArg));

const ours = fs.readFileSync(oursPath, 'utf8').split('\n').filter(Boolean).map(JSON.parse);
const key = (loc, point) => loc + '\u0000' + point;
const oursByKey = new Map(ours.map(l => [key(l.location, l.point), l]));

let failures = 0, compared = 0;
const close = (a, b) => Math.abs(a - b) <= 1e-9;
function check(what, expected, actual) {
  compared++;
  if (!close(expected, actual)) {
    failures++;
    console.log(`MISMATCH ${what}: viewer ${expected}, parse-coz ${actual}`);
  }
}

let expectedEntries = 0;
for (const line of theirs) {
  const perLine = { impact: 0, max: 0, min: 0 };
  for (const point of line.progress_points) {
    if (point.measurements.length === 0) continue;
    expectedEntries++;
    const one = { progress_points: [point] };
    const mine = oursByKey.get(key(line.name, point.name));
    if (!mine) { failures++; console.log(`MISSING in parse-coz: ${line.name} / ${point.name}`); continue; }
    check(`${line.name} ${point.name} impact`, sandbox.max_normalized_area(one), mine.impact_pct / 100);
    check(`${line.name} ${point.name} max`, sandbox.max_progress_speedup(one), mine.max_speedup_pct / 100);
    check(`${line.name} ${point.name} min`, sandbox.min_progress_speedup(one), mine.min_speedup_pct / 100);
    check(`${line.name} ${point.name} measurements`, point.measurements.length, mine.measurements.length);
    point.measurements.forEach((m, i) => {
      check(`${line.name} ${point.name} x[${i}]`, m.speedup, mine.measurements[i][0]);
      check(`${line.name} ${point.name} y[${i}]`, m.progress_speedup, mine.measurements[i][1]);
    });
    perLine.impact = Math.max(perLine.impact, mine.impact_pct / 100);
    perLine.max = Math.max(perLine.max, mine.max_speedup_pct / 100);
    perLine.min = Math.min(perLine.min, mine.min_speedup_pct / 100);
  }
  // The viewer's own per-line figures (over all points) against the max/min over ours.
  check(`${line.name} line impact`, sandbox.max_normalized_area(line), perLine.impact);
  check(`${line.name} line max`, sandbox.max_progress_speedup(line), perLine.max);
  check(`${line.name} line min`, sandbox.min_progress_speedup(line), perLine.min);
}
if (expectedEntries !== ours.length) {
  failures++;
  console.log(`COUNT: viewer has ${expectedEntries} (line, point) entries, parse-coz ${ours.length}`);
}
console.log(`${profilePath} min-points ${minPointsArg}: ${theirs.length} lines, ${expectedEntries} (line, point) entries, ${compared} figures compared, ${failures} differences`);
process.exit(failures ? 1 : 0);
