#!/usr/bin/env node
/**
 * Checks the in-process pack reader against git on a real repository (not a timed test):
 * every reachable blob is read through `streamPackedBlobs` (worker threads, no gate) and through
 * `git cat-file --batch`, and the SHA-256 of each blob's bytes must match; each blob the reader
 * answered must also hash to its own object name (sha1 of "blob <size>\0" + bytes).
 *
 *   npm run build && node scripts/check-pack-reader.mjs <repo>
 */
import { Buffer } from 'node:buffer';
import { spawn, spawnSync } from 'node:child_process';
import console from 'node:console';
import process from 'node:process';
import { createHash } from 'node:crypto';
import { streamPackedBlobs } from '../dist/git/pack/pack-stream.js';

const repo = process.argv[2];
if (!repo) {
  console.error('usage: check-pack-reader <repo>');
  process.exit(2);
}
const started = Date.now();
const listing = spawnSync(
  'git',
  [
    'rev-list',
    '--objects',
    '--all',
    '--filter=object:type=blob',
    '--missing=print',
    '--in-commit-order',
  ],
  { cwd: repo, maxBuffer: 1 << 30, encoding: 'utf8' },
);
const oids = listing.stdout
  .split('\n')
  .filter((l) => l.length > 41 && l[0] !== '?')
  .map((l) => l.slice(0, 40));
const batches = [];
for (let i = 0; i < oids.length; i += 1000) batches.push(oids.slice(i, i + 1000));

const sha256 = (parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};
const fromReader = new Map();
let selfMismatch = 0;
let tags = 0;
const result = await streamPackedBlobs(
  repo,
  batches,
  Number.MAX_SAFE_INTEGER,
  (oid, parts, size) => {
    if (!parts) return;
    fromReader.set(oid, sha256(parts));
    // rev-list's blob filter still lists annotated tags (with their name as the path); the scan reads
    // them like blobs, through cat-file as through the reader.
    const named = (type) => {
      const h = createHash('sha1').update(`${type} ${size}\0`);
      for (const p of parts) h.update(p);
      return h.digest('hex') === oid;
    };
    if (named('blob')) return;
    if (named('tag')) tags++;
    else selfMismatch++;
  },
);

// cat-file's bytes for the same oids, parsed from its stream.
const fromGit = new Map();
let missing = 0;
await new Promise((resolve, reject) => {
  const child = spawn('git', ['cat-file', '--batch', '--buffer'], { cwd: repo });
  let pending = Buffer.alloc(0);
  let current = null;
  child.stdout.on('data', (chunk) => {
    let buf = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let p = 0;
    for (;;) {
      if (current) {
        const need = current.size + 1 - current.got;
        const take = Math.min(need, buf.length - p);
        const piece = buf.subarray(p, p + take);
        current.hash.update(
          current.got + take > current.size
            ? piece.subarray(0, Math.max(0, current.size - current.got))
            : piece,
        );
        current.got += take;
        p += take;
        if (current.got < current.size + 1) break;
        fromGit.set(current.oid, current.hash.digest('hex'));
        current = null;
        continue;
      }
      const nl = buf.indexOf(10, p);
      if (nl < 0) break;
      const [oid, type, size] = buf.toString('latin1', p, nl).split(' ');
      p = nl + 1;
      if (type === 'missing') {
        missing++;
        continue;
      }
      current = { oid, size: Number(size), got: 0, hash: createHash('sha256') };
    }
    pending = Buffer.from(buf.subarray(p));
  });
  child.on('error', reject);
  child.on('close', resolve);
  child.stdin.end(oids.join('\n') + '\n');
});

let compared = 0;
let mismatch = 0;
for (const [oid, digest] of fromReader) {
  compared++;
  if (fromGit.get(oid) !== digest) mismatch++;
}
const ok = mismatch === 0 && selfMismatch === 0 && fromReader.size + result.missing === oids.length;
console.log(
  JSON.stringify({
    repo,
    blobs: oids.length,
    compared,
    mismatch,
    selfMismatch,
    tags,
    readerMissing: result.missing,
    catFileMissing: missing,
    packs: result.packs,
    seconds: (Date.now() - started) / 1000,
    ok,
  }),
);
process.exit(ok ? 0 : 1);
