#!/usr/bin/env node
/**
 * Runs every `curl` example of README.md, in order, against a fresh server (the built
 * dist/src/main.js on a new embedded PostgreSQL in a temp folder, no API keys: a new user's
 * `npm start`), and checks each answer against the expectation written beside it.
 * Usage: `npm run build && node scripts/readme-examples.mjs [README.md]` (CI: .ci/run).
 *
 * The format, for whoever adds examples (keep each section self-contained: it may only rely on the
 * examples above it, never on today's date or on data the reader has to make up):
 *
 * - Every line starting with `curl ` inside a ```bash block is an example; a trailing `\`, or a
 *   quoted argument left open (a multi-line `-d '[…]'`), continues it on the next line. `localhost:3000` is replaced by the server's address.
 * - Its expectation is a comment, at the end of its last line or on the line after it:
 *     # 201 {"accepted":1,"duplicates":0}
 *   the HTTP status, then optionally the JSON answer, compared exactly, except that the string
 *   "…" matches any one value (a timestamp, an object in a list). Words after the status, other
 *   than JSON, are an error: every example states what it answers.
 * - Or, for answers too long for a comment, no comment and a ```json block right after the ```bash
 *   block: the last curl of that block must answer 200 with that JSON (same "…" rule).
 * - Prose like "(200 when re-pointed)" belongs outside the comment.
 */
import { spawn, execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const README = process.argv[2] ?? 'README.md';
const ANY = '…';
const START_TIMEOUT_MS = 90_000;

/** The examples of a README, in order: `{ line, command, status, body? }`. */
export function parseExamples(text) {
  const lines = text.split('\n');
  const examples = [];
  let fence; // the language of the open ``` block, or undefined
  let lastInBlock;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];
    const opening = /^```(\w*)\s*$/.exec(line);
    if (opening && fence === undefined) {
      fence = opening[1];
      if (fence === 'json' && lastInBlock && lastInBlock.status === undefined) {
        const end = lines.indexOf('```', i + 1);
        lastInBlock.status = 200;
        lastInBlock.body = JSON.parse(lines.slice(i + 1, end).join('\n'));
        i = end;
        fence = undefined;
        lastInBlock = undefined;
      }
      continue;
    }
    if (line.startsWith('```') && fence !== undefined) {
      if (fence !== 'bash') lastInBlock = undefined;
      fence = undefined;
      continue;
    }
    if (fence !== 'bash' || !line.startsWith('curl ')) {
      // Only blank lines (and, inside the block, comments) may stand between a curl and its json block.
      if (line.trim() !== '' && !(fence === 'bash' && line.startsWith('#'))) lastInBlock = undefined;
      continue;
    }
    const start = i + 1;
    let command = line;
    for (;;) {
      if (command.endsWith('\\')) command = `${command.slice(0, -1)} ${lines[++i].trim()}`;
      else if (insideQuotes(command)) command = `${command}\n${lines[++i]}`;
      else break;
    }
    const [code, trailing] = splitComment(command);
    let expectation = trailing;
    if (expectation === undefined && /^#\s*\d{3}\b/.test(lines[i + 1] ?? '')) expectation = lines[++i].slice(1);
    const example = { line: start, command: code.trim() };
    if (expectation !== undefined) Object.assign(example, parseExpectation(expectation, start));
    examples.push(example);
    lastInBlock = example;
  }
  const missing = examples.filter((example) => example.status === undefined);
  if (missing.length > 0) {
    throw new Error(`examples without an expectation: ${missing.map((e) => `line ${e.line}`).join(', ')}`);
  }
  return examples;
}

/** True when the text ends inside a quoted string (a `-d '[…]'` over several lines). */
function insideQuotes(text) {
  let quote;
  for (const char of text) {
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') quote = char;
  }
  return quote !== undefined;
}

/** `code # comment` → [code, comment], ignoring `#` inside quotes. */
function splitComment(command) {
  let quote;
  for (let i = 0; i < command.length; i += 1) {
    const char = command[i];
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') quote = char;
    else if (char === '#' && /\s/.test(command[i - 1] ?? ' ')) return [command.slice(0, i), command.slice(i + 1)];
  }
  return [command, undefined];
}

function parseExpectation(comment, line) {
  const match = /^\s*(\d{3})\s*(.*)$/.exec(comment);
  if (!match) throw new Error(`line ${line}: the expectation must start with the HTTP status: "# ${comment}"`);
  const [, status, rest] = match;
  if (rest === '') return { status: Number(status) };
  try {
    return { status: Number(status), body: JSON.parse(rest) };
  } catch {
    throw new Error(`line ${line}: after the status, only the JSON answer may follow: "${rest}"`);
  }
}

/** Paths where `actual` differs from `expected` ("…" matches anything). */
export function differences(expected, actual, path = '$') {
  if (expected === ANY) return [];
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      return [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
    }
    return expected.flatMap((item, i) => differences(item, actual[i], `${path}[${i}]`));
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) {
      return [`${path}: expected an object, got ${JSON.stringify(actual)}`];
    }
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    return [...keys].flatMap((key) =>
      key in expected
        ? differences(expected[key], actual[key], `${path}.${key}`)
        : [`${path}.${key}: not in the README (${JSON.stringify(actual[key])})`],
    );
  }
  return Object.is(expected, actual)
    ? []
    : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}

function unusedPort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function startServer(dataDir) {
  let output = '';
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info', // the "Listening on" line gives the port
      EMBEDDED_PG_DIR: join(dataDir, 'pg'),
      EMBEDDED_PG_PORT: String(await unusedPort()),
      RATE_LIMIT_PER_MINUTE: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const found = /Listening on (http:\/\/[\w.:]+)/.exec(output);
    if (found) return { child, exited, base: found[1], output: () => output };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the server did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function run(example, base) {
  const command = `${example.command.replaceAll('localhost:3000', base.replace('http://', ''))} -sS -w '\\n%{http_code}'`;
  const { stdout } = await promisify(execFile)('bash', ['-c', command], { maxBuffer: 16 * 1024 * 1024 });
  const cut = stdout.lastIndexOf('\n');
  const text = stdout.slice(0, cut);
  const status = Number(stdout.slice(cut + 1));
  const problems = status === example.status ? [] : [`status: expected ${example.status}, got ${status}`];
  if (example.body !== undefined) {
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      problems.push(`not JSON: ${text.slice(0, 200)}`);
    }
    if (json !== undefined) problems.push(...differences(example.body, json));
  }
  return { problems, text };
}

async function main() {
  const examples = parseExamples(await readFile(README, 'utf8'));
  const dataDir = await mkdtemp(join(tmpdir(), 'energy-readme-'));
  await chmod(dataDir, 0o755); // as root, the embedded PostgreSQL runs as `postgres`
  const server = await startServer(dataDir);
  let failed = 0;
  try {
    for (const example of examples) {
      const { problems, text } = await run(example, server.base);
      if (problems.length === 0) {
        console.log(`ok    README.md:${example.line}  ${example.command.slice(0, 100)}`);
      } else {
        failed += 1;
        console.log(`FAIL  README.md:${example.line}  ${example.command}\n      ${problems.join('\n      ')}`);
        console.log(`      answered: ${text.slice(0, 500)}`);
      }
    }
  } finally {
    server.child.kill('SIGTERM');
    const code = await server.exited;
    await rm(dataDir, { recursive: true, force: true });
    if (code !== 0) {
      console.log(server.output());
      throw new Error(`the server exited ${code} after SIGTERM`);
    }
  }
  console.log(`${examples.length - failed}/${examples.length} README examples answered as written`);
  if (failed > 0) process.exitCode = 1;
}

await main();
