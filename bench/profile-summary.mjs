#!/usr/bin/env node
/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --cpu-prof`): where the service's CPU time
 * went, by package (self time) and by function (self time), and the inclusive time of the
 * functions named with --inclusive.
 *
 *   node bench/profile-summary.mjs bench/.cache/prof/<stamp>/<file>.cpuprofile [--top 25] [--inclusive transform,validateSync]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
let file = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a) && a !== option('inclusive'));
if (!file) {
  console.error('usage: node bench/profile-summary.mjs <file.cpuprofile | directory> [--top N] [--inclusive a,b]');
  process.exit(2);
}
if (statSync(file).isDirectory()) {
  const newest = readdirSync(file)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(file, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!newest) throw new Error(`No .cpuprofile in ${file}`);
  file = newest;
}
const top = Number(option('top', 25));
const inclusiveNames = option(
  'inclusive',
  'transform,validateSync,plainToInstance,parseInstant,store,query,handleRequest,parse,serialize,stringify',
).split(',');

const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const selfUs = new Map();
let totalUs = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  totalUs += dt;
});

function category(frame) {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native / V8)';
  if (url.startsWith('node:')) return 'node: (core)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.includes('/dist/src/')) return `app: ${url.slice(url.indexOf('/dist/src/') + 10).split('/')[0]}`;
  return url.replace(/^file:\/\//, '');
}

const busyUs = totalUs - (selfUs.get([...byId.values()].find((n) => n.callFrame.functionName === '(idle)')?.id) ?? 0);
const pct = (us, base = busyUs) => `${((100 * us) / base).toFixed(1).padStart(5)} %`;

const byCategory = new Map();
const byFunction = new Map();
for (const [id, us] of selfUs) {
  const frame = byId.get(id).callFrame;
  const cat = category(frame);
  byCategory.set(cat, (byCategory.get(cat) ?? 0) + us);
  const fn = `${frame.functionName || '(anonymous)'} ${cat.startsWith('(') ? '' : `[${cat}${frame.url ? `:${frame.lineNumber + 1}` : ''}]`}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
}

// Inclusive: a sample counts for a name if any frame of its stack has that function name.
const inclusive = new Map(inclusiveNames.map((n) => [n, 0]));
const stackNames = new Map();
function namesOf(id) {
  let names = stackNames.get(id);
  if (!names) {
    names = new Set();
    for (let n = id; n !== undefined; n = parent.get(n)) names.add(byId.get(n).callFrame.functionName);
    stackNames.set(id, names);
  }
  return names;
}
profile.samples.forEach((id, i) => {
  const names = namesOf(id);
  for (const name of inclusiveNames)
    if (names.has(name)) inclusive.set(name, inclusive.get(name) + (profile.timeDeltas[i] ?? 0));
});

const seconds = (us) => `${(us / 1e6).toFixed(2).padStart(7)} s`;
console.log(`${file}\nsampled ${seconds(totalUs)}, busy (not idle) ${seconds(busyUs)}\n`);
console.log('Self time by package (share of busy time):');
for (const [cat, us] of [...byCategory]
  .filter(([c]) => c !== '(idle)')
  .sort((a, b) => b[1] - a[1])
  .slice(0, top))
  console.log(`  ${pct(us)} ${seconds(us)}  ${cat}`);
console.log('\nSelf time by function:');
for (const [fn, us] of [...byFunction]
  .filter(([f]) => !f.startsWith('(idle)'))
  .sort((a, b) => b[1] - a[1])
  .slice(0, top))
  console.log(`  ${pct(us)} ${seconds(us)}  ${fn}`);
console.log('\nInclusive time of named functions:');
for (const [name, us] of inclusive) console.log(`  ${pct(us)} ${seconds(us)}  ${name}`);
