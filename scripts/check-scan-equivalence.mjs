#!/usr/bin/env node
/**
 * Checks that two builds of the engine find exactly the same hits (not a timed test): every blob of
 * the repositories' histories that passes the keyword gate is scanned by `scanContent` of both
 * builds, as the history scan does, and the JSON of their hits must be equal. Then again with
 * synthetic credentials spliced into each blob (plain, JSON-escaped, URL-encoded, base64-wrapped,
 * behind a shell default or an ANSI code; between lines of text, between binary bytes), so that
 * the paths that report hits (context, keys, decoded layers, binary offsets) are compared too,
 * not only the silent ones. Blobs are read with the pack reader of the new build.
 *
 *   git worktree add /tmp/base <commit> && (cd /tmp/base && npm ci && npm run build)
 *   npm run build && node scripts/check-scan-equivalence.mjs /tmp/base/dist dist <repo>...
 */
import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import process from 'node:process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [oldDist, newDist, ...repos] = process.argv.slice(2);
if (!oldDist || !newDist || repos.length === 0) {
  console.error('usage: check-scan-equivalence <old dist> <new dist> <repo>...');
  process.exit(2);
}
const load = async (dist, path) => import(pathToFileURL(resolve(dist, path)).href);
const builds = await Promise.all(
  [oldDist, newDist].map(async (dist) => ({
    ...(await load(dist, 'engine/content/scan-content.js')),
    ...(await load(dist, 'engine/content/sniff.js')),
  })),
);
const { openPacksIn } = await load(newDist, 'git/pack/pack-store.js');
const { createKeywordScanner } = await load(newDist, 'git/history/keyword-scanner.js');
const { PREFILTER_KEYWORDS } = await load(newDist, 'core/index.js');
const syn = await load(newDist, 'core/detectors/synthetic.js');
const gate = createKeywordScanner(PREFILTER_KEYWORDS);

/** Lines holding a synthetic credential of each kind, from a seed. */
function snippets(seed) {
  const t = syn.redisTokenParts({ seed: `${seed}-t` });
  const legacy = syn.redisTokenParts({ seed: `${seed}-l`, layout: 'legacy' });
  const host = syn.redisHost(t.dbId, { seed: `${seed}-h` });
  const kafka = syn.kafkaCredentials({ seed: `${seed}-k` });
  return [
    `UPSTASH_REDIS_REST_URL=https://${host}`,
    `UPSTASH_REDIS_REST_TOKEN="${t.token}"`,
    `const redis = new Redis({ url: "https://${host}", token: "${legacy.token}" })`,
    syn.redisUrl({ password: syn.hex32Secret({ seed: `${seed}-p` }), host }),
    `QSTASH_TOKEN=${syn.qstashToken({ seed: `${seed}-q` })}`,
    `QSTASH_CURRENT_SIGNING_KEY=${syn.signingKey({ seed: `${seed}-s` })}`,
    `UPSTASH_VECTOR_REST_TOKEN=${syn.vectorToken({ seed: `${seed}-v` })}`,
    `upstash management key: ${syn.managementKey({ seed: `${seed}-m` })}`,
    `KAFKA_USERNAME=${kafka.username}\nKAFKA_PASSWORD=${kafka.password}\nKAFKA_URL=${kafka.url}`,
    `CONTEXT7_API_KEY=${syn.context7Key({ seed: `${seed}-c` })}`,
    `BOX_API_KEY=${syn.boxApiKey({ seed: `${seed}-b` })}`,
    `UPSTASH_SECRET=${syn.unknownFormatSecret({ seed: `${seed}-u` })}`,
  ];
}

/** One snippet, as some file format or tool would write it. */
function encoded(line, how) {
  switch (how) {
    case 0:
      return line;
    case 1:
      return JSON.stringify({ env: line }).replaceAll('/', '\\/').replaceAll('=', '\\u003d');
    case 2:
      return `url=${encodeURIComponent(line)}`;
    case 3:
      return `  CONFIG: ${Buffer.from(line).toString('base64')}`;
    case 4:
      return line.replace(/^([A-Z_0-9]+)=(.*)$/m, '$${$1:-$2}');
    case 5:
      return `\\u001b[32m${line}\\u001b[0m`;
    default:
      return `\x1b[1;31m${line}\x1b[0m`;
  }
}

function spliced(data, binary, seed) {
  const lines = snippets(seed);
  let n = 0;
  const pick = (k) => (Number.parseInt(seed.slice(k, k + 6), 16) >>> 0) % 997;
  const parts = [];
  let at = 0;
  for (let s = 0; s < 3; s++) {
    const line = encoded(lines[(pick(s * 6) + s) % lines.length], (pick(s * 6 + 2) + s) % 7);
    let to = Math.min(data.length, at + Math.floor(((pick(s * 6 + 4) + 1) / 998) * data.length));
    if (!binary) {
      const lf = data.indexOf(0x0a, to);
      to = lf < 0 ? data.length : lf + 1;
    }
    parts.push(data.subarray(at, to));
    parts.push(Buffer.from(binary ? `\0${line}\0` : `${line}\n`));
    at = to;
    n++;
  }
  parts.push(data.subarray(at));
  return { data: Buffer.concat(parts), n };
}

let compared = 0;
let mismatched = 0;
let withHits = 0;
/** Hits by credential type, and by kind of content, in the old build's answers. */
const tally = new Map();
const scan = (build, data, path) => {
  const sniffed = build.sniffEncoding(data.subarray(0, build.SNIFF_BYTES));
  return JSON.stringify(
    build.scanContent(data, { path, gate: () => true, runGate: gate }, sniffed),
  );
};
for (const repo of repos) {
  const listing = spawnSync(
    'git',
    ['rev-list', '--objects', '--all', '--filter=object:type=blob', '--missing=allow-any'],
    { cwd: repo, maxBuffer: 1 << 30, encoding: 'utf8' },
  );
  const rows = listing.stdout
    .split('\n')
    .filter((l) => l.length >= 40)
    .map((l) => [l.slice(0, 40), l.slice(41)]);
  const store = openPacksIn(resolve(repo, 'objects'), { cacheBytes: 64 << 20 });
  let gated = 0;
  let repoMismatched = 0;
  for (const [oid, path] of rows) {
    const view = store?.read(oid, 1 << 24);
    if (!view || !gate(view)) continue;
    const data = Buffer.from(view);
    gated++;
    const binary = builds[1].sniffEncoding(data.subarray(0, 4096)).encoding === 'binary';
    for (const input of [data, spliced(data, binary, oid).data]) {
      const [a, b] = builds.map((build) => scan(build, input, path));
      compared++;
      if (a !== '[]') withHits++;
      for (const h of JSON.parse(a)) {
        const k = `${binary ? 'binary' : 'text'} ${h.candidate.type}`;
        tally.set(k, (tally.get(k) ?? 0) + 1);
      }
      if (a !== b) {
        mismatched++;
        repoMismatched++;
        if (repoMismatched <= 5)
          console.log(`MISMATCH ${repo} ${oid} ${path}\n  old ${a}\n  new ${b}`);
      }
    }
  }
  store?.close();
  console.log(`${repo}: ${gated} gated blobs, each as is and with credentials spliced in`);
}
for (const [k, n] of [...tally].sort()) console.log(`  hits: ${k} ${n}`);
console.log(`${compared} scans compared (${withHits} with hits), ${mismatched} mismatched`);
process.exit(mismatched === 0 ? 0 : 1);
