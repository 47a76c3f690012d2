/**
 * Hostile and malformed webhook deliveries against the built App as a process (loopback GitHub
 * double): every handled event with each field the App reads mutated in turn, a seeded random
 * generator of structurally random payloads, and bodies and headers that are not what GitHub
 * sends. Every delivery is answered below 500; junk stores no job (the handler logs "scan
 * enqueued" before it answers, so a job is seen in the log by the time the answer arrives); the
 * process keeps serving, logs no unhandled error, no secret and no huge line, makes no GitHub
 * write for the junk, and a valid push afterwards completes exactly one check run.
 *
 * UG_FUZZ_SEED=<n> replays a run of the random generator; a failure names the seed.
 */
import { connect } from 'node:net';

import { mulberry32 } from '../helpers/seeded-random.js';
import { redisEndpoint, redisTokenParts } from '../helpers/synthetic.js';
import {
  checkRunEvent,
  installationCreatedEvent,
  installationRepositoriesAddedEvent,
  pullRequestEvent,
  pushEvent,
  sign,
} from '../helpers/webhooks.js';
import type { RepoRef } from '../helpers/webhooks.js';
import { startHarness, until } from './harness.js';
import type { Harness } from './harness.js';

type Json = Record<string, unknown>;

const MB = 1024 * 1024;
const ZERO = '0'.repeat(40);
const SEED = Number(process.env.UG_FUZZ_SEED ?? 0x5eed_2026);
/** A synthetic Upstash token (built at run time): it must never reach the log. */
const { token: TOKEN, dbId } = redisTokenParts({ seed: 'webhook-fuzz' });
const REST_URL = redisEndpoint(dbId, { seed: 'webhook-fuzz' });

// ---------------------------------------------------------------------------------------------
// The spec: when a delivery must (at most) produce a job. Written from GitHub's rules, not from
// the App's code; `false` means "no job", anything else is not asserted.

const obj = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
const isId = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
const isSha = (v: unknown): boolean =>
  typeof v === 'string' && /^[0-9a-f]{40}$/.test(v) && v !== ZERO;
/** git check-ref-format, plus a length GitHub's refs stay under. */
function isRef(v: unknown): boolean {
  if (typeof v !== 'string' || !v.startsWith('refs/') || Buffer.byteLength(v) > 1024) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]|\.\.|\/\/|@\{|\/$|\.$|\.lock(\/|$)|\/\./.test(v)) return false;
  return true;
}
const OWNER = /^[A-Za-z0-9][A-Za-z0-9_-]{0,38}$/;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;
const nameOk = (v: unknown): boolean =>
  typeof v === 'string' && NAME.test(v) && v !== '.' && !v.includes('..');
function repoOk(v: unknown): boolean {
  const r = obj(v);
  if (!r || !isId(r.id)) return false;
  if (r.full_name !== undefined) {
    if (typeof r.full_name !== 'string') return false;
    const [o, n, ...rest] = r.full_name.split('/');
    return rest.length === 0 && OWNER.test(o ?? '') && nameOk(n);
  }
  const login = obj(r.owner)?.login;
  return typeof login === 'string' && OWNER.test(login) && nameOk(r.name);
}
const instOk = (p: Json): boolean => isId(obj(p.installation)?.id);

type Spec = (p: Json) => boolean;
const rerunHead = (p: Json): unknown => {
  const run = obj(p.check_run);
  const suite = obj(p.check_suite) ?? obj(run?.check_suite);
  return run?.head_sha !== undefined ? run.head_sha : suite?.head_sha;
};
const SPECS: Record<string, Spec> = {
  push: (p) =>
    p.deleted !== true && isRef(p.ref) && isSha(p.after) && repoOk(p.repository) && instOk(p),
  pull_request: (p) => {
    const pr = obj(p.pull_request);
    return (
      ['opened', 'synchronize', 'reopened'].includes(p.action as string) &&
      isSha(obj(pr?.head)?.sha) &&
      (isId(pr?.number) || isId(p.number)) &&
      repoOk(p.repository) &&
      instOk(p)
    );
  },
  check_run: (p) =>
    (p.action === 'rerequested' ||
      (p.action === 'requested_action' && obj(p.requested_action)?.identifier === 'reverify')) &&
    isSha(rerunHead(p)) &&
    repoOk(p.repository) &&
    instOk(p),
  check_suite: (p) =>
    p.action === 'rerequested' && isSha(rerunHead(p)) && repoOk(p.repository) && instOk(p),
  installation: (p) => p.action === 'created' && instOk(p),
  installation_repositories: (p) =>
    p.action === 'added' &&
    instOk(p) &&
    Array.isArray(p.repositories_added) &&
    p.repositories_added.some((r) => isId(obj(r)?.id)),
  repository: () => false,
};

const HUGE = 'h'.repeat(MB);
/** What each field the App reads is replaced with, in turn (`MISSING` deletes it). */
const MISSING = Symbol('missing');
const MUTATIONS: Array<[string, unknown, RegExp?]> = [
  ['missing', MISSING],
  ['null', null],
  ['empty string', ''],
  ['string', 'abc'],
  ['numeric string', '4242', /id$|number/],
  ['zero', 0],
  ['negative', -1],
  ['float', 1.5],
  ['huge number', 1e308, /id$|number/],
  ['unsafe integer', 2 ** 53 + 2, /id$|number/],
  ['true', true],
  ['object', { a: 1 }],
  ['array', [1, 'x', null]],
  ['huge string (1 MB)', HUGE],
  ['unicode and controls', 'ü\u0000\u0007\u001b[31m\u202e\ud800😀\r\n'],
  [
    '__proto__ object',
    JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'),
  ],
  ['constructor string', 'constructor', /action|name|identifier/],
  ['__proto__ string', '__proto__', /action|name|identifier/],
  ['not a ref', 'main', /ref|branch|action/],
  ['ref with ..', 'refs/heads/../../etc/passwd', /ref|branch/],
  ['ref with newline', 'refs/heads/a\nb', /ref|branch/],
  ['ref holding a token', `refs/heads/leak/${TOKEN}`, /ref|branch|name/],
  ['short sha', 'abc123', /sha|before|after|id$/],
  ['upper-case sha', 'A'.repeat(40), /sha|before|after|id$/],
  ['41-char sha', 'a'.repeat(41), /sha|before|after/],
  ['zero sha', ZERO, /sha|before|after/],
  ['traversal name', '../etc', /name|login/],
  ['encoded traversal', '%2e%2e/acme', /name|login/],
  ['name with space', 'acme fuzz', /name|login|ref|branch/],
  ['name with newline', 'acme\nfuzz', /name|login/],
  ['full name traversal', 'acme/../fuzz', /name/],
  ['full name three parts', 'acme/fuzz/x', /name/],
  ['url', REST_URL, /name|login|ref/],
];

/** The fields each event's handler reads (dotted paths), and a few it does not. */
const READ: Record<string, string[]> = {
  common: [
    'action',
    'installation',
    'installation.id',
    'repository',
    'repository.id',
    'repository.full_name',
    'repository.name',
    'repository.owner.login',
    'repository.default_branch',
  ],
  push: ['ref', 'before', 'after', 'deleted', 'forced', 'head_commit', 'head_commit.id', 'commits'],
  pull_request: [
    'number',
    'pull_request',
    'pull_request.number',
    'pull_request.head',
    'pull_request.head.sha',
    'pull_request.base.sha',
  ],
  check_run: [
    'check_run',
    'check_run.id',
    'check_run.head_sha',
    'check_run.check_suite',
    'check_run.check_suite.head_sha',
    'check_run.check_suite.head_branch',
    'check_run.pull_requests',
    'requested_action',
    'requested_action.identifier',
  ],
  check_suite: [
    'check_suite',
    'check_suite.head_sha',
    'check_suite.head_branch',
    'check_suite.pull_requests',
  ],
  installation: ['installation.account', 'installation.account.login', 'repositories'],
  installation_repositories: ['repositories_added', 'repositories_removed'],
  repository: [],
};

function setPath(root: Json, path: string, value: unknown): Json {
  const copy = structuredClone(root);
  const keys = path.split('.');
  let o: Json = copy;
  for (const k of keys.slice(0, -1)) {
    const next = obj(o[k]);
    if (!next) return copy;
    o = next;
  }
  const last = keys[keys.length - 1]!;
  if (value === MISSING) delete o[last];
  else o[last] = value;
  return copy;
}

/** A random JSON value, at most `depth` deep, with keys the App looks for among random ones. */
function randomValue(rand: () => number, keys: string[], depth: number): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const r = rand();
  if (depth <= 0 || r < 0.45) {
    return pick<unknown>([
      null,
      true,
      false,
      0,
      -1,
      Math.floor(rand() * 1e6),
      rand() * 1e6,
      Number.MAX_SAFE_INTEGER + 1,
      '',
      'x'.repeat(Math.floor(rand() * 300)),
      'a'.repeat(40),
      'refs/heads/main',
      'opened',
      'rerequested',
      'created',
      'added',
      'reverify',
      'acme/fuzz',
      '__proto__',
      '\u0000\ud83d',
      String.fromCharCode(...Array.from({ length: 20 }, () => Math.floor(rand() * 0x10000))),
    ]);
  }
  if (r < 0.6)
    return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, keys, depth - 1));
  const o: Json = {};
  for (let i = Math.floor(rand() * 6); i > 0; i--) {
    const k = rand() < 0.8 ? pick(keys) : pick(['__proto__', 'constructor', 'prototype', 'x', '']);
    Object.defineProperty(o, k, {
      value: randomValue(rand, keys, depth - 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// Delivery.

interface Answer {
  status: number | 'reset';
  body: string;
  deliveryId?: string;
}

async function post(
  h: Harness,
  o: { event?: string; body: string | Buffer; headers?: Record<string, string | undefined> },
): Promise<Answer> {
  const headers: Record<string, string> = {};
  const deliveryId = `fuzz-${Math.random().toString(36).slice(2)}`;
  for (const [k, v] of Object.entries({
    'content-type': 'application/json',
    'x-github-event': o.event ?? 'push',
    'x-github-delivery': deliveryId,
    'x-hub-signature-256': sign(o.body, h.app.webhookSecret),
    ...o.headers,
  }))
    if (v !== undefined) headers[k] = v;
  try {
    const res = await fetch(h.app.webhookUrl, { method: 'POST', headers, body: o.body });
    return { status: res.status, body: (await res.text()).slice(0, 300), deliveryId };
  } catch {
    return { status: 'reset', body: '' };
  }
}

/** A raw HTTP/1.1 request (for lying Content-Length and other framing fetch will not send). */
function rawRequest(h: Harness, head: string[], body: Buffer, waitMs = 3_000): Promise<Answer> {
  const url = new URL(h.app.webhookUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    let text = '';
    let settled = false;
    const done = (a: Answer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(a);
    };
    const timer = setTimeout(() => done({ status: 'reset', body: 'no answer' }), waitMs);
    socket.on('error', () => done({ status: 'reset', body: text }));
    socket.on('close', () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      done({ status: m ? Number(m[1]) : 'reset', body: text.slice(0, 300) });
    });
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (m && text.includes('\r\n\r\n')) done({ status: Number(m[1]), body: text.slice(0, 300) });
    });
    socket.once('connect', () => {
      socket.write(
        [`POST ${url.pathname} HTTP/1.1`, `host: ${url.host}`, ...head, '', ''].join('\r\n'),
      );
      socket.write(body);
    });
  });
}

// ---------------------------------------------------------------------------------------------

describe('hostile webhook deliveries (app process)', () => {
  let h: Harness;
  let fuzz: RepoRef;
  let head: string;
  let base: string;
  const failures: string[] = [];
  // Jobs stored so far, counted in the log incrementally (the log grows to many MB).
  let scanned = 0;
  let jobsLogged = 0;
  const enqueued = (): number => {
    const logs = h.app.logs();
    const from = scanned;
    const end = logs.lastIndexOf('\n') + 1;
    if (end > from) {
      jobsLogged += (logs.slice(from, end).match(/"msg":"scan enqueued"/g) ?? []).length;
      scanned = end;
    }
    return jobsLogged;
  };
  let enqueuedSeen = 0;
  let searched = 0;
  async function logged(marker: string): Promise<void> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const logs = h.app.logs();
      const at = logs.indexOf(marker, Math.max(0, searched - marker.length));
      if (at >= 0) {
        searched = at;
        return;
      }
      searched = logs.length;
      if (Date.now() > deadline) throw new Error(`no log line with ${marker}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  beforeAll(async () => {
    h = await startHarness();
    fuzz = h.addRepo('fuzz', 7001);
    const r = h.repo();
    r.write('README.md', '# fuzz\n');
    base = r.commit('initial');
    r.write('notes.md', 'clean\n');
    head = r.commit('second');
    await h.push(r, fuzz, 'main', 'main:refs/heads/feature', 'main:refs/pull/3/head');
  }, 60_000);
  afterAll(async () => h?.close());

  /** Sends one signed payload; records a 5xx, or a job where the spec says none. */
  async function check(label: string, event: string, payload: unknown): Promise<void> {
    const body = JSON.stringify(payload);
    const a = await post(h, { event, body });
    // The access log line of this delivery comes after its handler's lines: wait for it, so a
    // job is counted against the delivery that stored it.
    await logged(`"x-github-delivery":"${a.deliveryId}"`);
    const jobs = enqueued() - enqueuedSeen;
    enqueuedSeen += jobs;
    if (a.status === 'reset' || a.status >= 500)
      failures.push(`${label}: answered ${a.status} ${a.body}`);
    const spec = SPECS[event]!;
    const p = obj(payload);
    if (jobs > 0 && (!p || !spec(p))) failures.push(`${label}: junk stored ${jobs} job(s)`);
  }

  function bases(): Array<[string, Json]> {
    const run = checkRunEvent(fuzz, { action: 'rerequested', id: 77, headSha: head });
    const suite = {
      action: 'rerequested',
      check_suite: { id: 5, head_sha: head, head_branch: 'main', pull_requests: [] },
      repository: run.repository,
      installation: run.installation,
      sender: { login: 'octocat', id: 1 },
    };
    return [
      ['push', pushEvent(fuzz, { ref: 'refs/heads/main', before: base, after: head })],
      ['pull_request', pullRequestEvent(fuzz, { number: 3, headSha: head, baseSha: base })],
      ['check_run', run],
      [
        'check_run',
        {
          ...checkRunEvent(fuzz, { action: 'requested_action', id: 78, headSha: head }),
          requested_action: { identifier: 'reverify' },
        },
      ],
      ['check_suite', suite],
      ['installation', installationCreatedEvent(fuzz)],
      ['installation', { ...installationCreatedEvent(fuzz), action: 'deleted' }],
      ['installation', { ...installationCreatedEvent(fuzz), action: 'new_permissions_accepted' }],
      ['installation_repositories', installationRepositoriesAddedEvent(fuzz)],
      [
        'installation_repositories',
        {
          ...installationRepositoriesAddedEvent(fuzz),
          action: 'removed',
          repositories_added: [],
          repositories_removed: [{ id: 7001, name: 'fuzz', full_name: 'acme/fuzz' }],
        },
      ],
      [
        'repository',
        { action: 'deleted', repository: run.repository, installation: run.installation },
      ],
    ];
  }

  it('every handled event with each field it reads mutated in turn', async () => {
    enqueuedSeen = enqueued();
    const seen = new Set<string>();
    for (const [event, payload] of bases()) {
      // The fields all events share are mutated on the first payload of each event; its other
      // actions get their own fields and the ones that route them.
      const common = seen.has(event) ? ['action', 'installation.id', 'repository'] : READ.common!;
      seen.add(event);
      const paths = [...common, ...READ[event]!];
      for (const path of paths)
        for (const [what, value, scope] of MUTATIONS)
          if (!scope || scope.test(path))
            await check(
              `${event}.${String(payload.action ?? '')} ${path} = ${what}`,
              event,
              setPath(payload, path, value),
            );
    }
    expect(failures).toEqual([]);
    // About 100 s alone on a 2-core machine (some 4,000 deliveries, one after another); beside the
    // rest of the suite it took over 120 s. The limit only guards against a hang.
  }, 300_000);

  it('a few hundred structurally random payloads per event (seeded)', async () => {
    const rand = mulberry32(SEED);
    const keys = [
      ...new Set(
        Object.values(READ)
          .flat()
          .flatMap((p) => p.split('.')),
      ),
    ];
    enqueuedSeen = enqueued();
    const all = bases();
    for (const [event, payload] of all) {
      // About 120 payloads per event name, spread over its actions.
      const n = Math.ceil(120 / all.filter(([e]) => e === event).length);
      for (let i = 0; i < n; i++) {
        // Half fully random objects, half a valid payload with random subtrees spliced in.
        let p: Json;
        if (rand() < 0.5) p = (obj(randomValue(rand, keys, 5)) ?? {}) as Json;
        else {
          p = structuredClone(payload);
          for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) {
            const paths = [...READ.common!, ...READ[event]!];
            p = setPath(p, paths[Math.floor(rand() * paths.length)]!, randomValue(rand, keys, 3));
          }
        }
        await check(`${event} random #${i}`, event, p);
      }
    }
    if (failures.length) failures.unshift(`seed ${SEED} (UG_FUZZ_SEED=${SEED} replays it)`);
    expect(failures).toEqual([]);
  }, 300_000);

  it('bodies and headers that are not a GitHub delivery: a clear 4xx, no job', async () => {
    const before = enqueued();
    const valid = JSON.stringify(
      pushEvent(fuzz, { ref: 'refs/heads/main', before: base, after: head }),
    );
    const cases: Array<[string, () => Promise<Answer>, number[]]> = [
      ['not JSON', () => post(h, { body: 'hello world' }), [400]],
      ['truncated JSON', () => post(h, { body: valid.slice(0, valid.length / 2) }), [400]],
      ['JSON with a BOM', () => post(h, { body: `\ufeff${valid}` }), [400]],
      ['JSON array', () => post(h, { body: '[1,2]' }), [400]],
      ['JSON null', () => post(h, { body: 'null' }), [400]],
      ['empty body', () => post(h, { body: '' }), [400]],
      ['invalid UTF-8', () => post(h, { body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) }), [400]],
      [
        'deeply nested arrays (100k levels)',
        () =>
          post(h, {
            event: 'installation',
            body: `{"action":"created","a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
          }),
        [400],
      ],
      [
        'deeply nested objects (100k levels)',
        () =>
          post(h, {
            event: 'check_run',
            body: `{"action":"rerequested","a":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`,
          }),
        [400],
      ],
      ['50 MB body', () => post(h, { body: Buffer.alloc(50 * MB, 0x20) }), [413]],
      [
        'wrong Content-Type',
        () => post(h, { body: valid, headers: { 'content-type': 'text/plain' } }),
        [415],
      ],
      [
        'form Content-Type',
        () =>
          post(h, {
            body: valid,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          }),
        [415],
      ],
      [
        'missing signature',
        () => post(h, { body: valid, headers: { 'x-hub-signature-256': undefined } }),
        [400],
      ],
      [
        'wrong signature',
        () => post(h, { body: valid, headers: { 'x-hub-signature-256': sign(valid, 'wrong') } }),
        [400],
      ],
      [
        'signature not hex',
        () => post(h, { body: valid, headers: { 'x-hub-signature-256': 'sha256=zz' } }),
        [400],
      ],
      [
        'sha1 signature only',
        () =>
          post(h, {
            body: valid,
            headers: { 'x-hub-signature-256': undefined, 'x-hub-signature': 'sha1=00' },
          }),
        [400],
      ],
      [
        'missing X-GitHub-Event',
        () => post(h, { body: valid, headers: { 'x-github-event': undefined } }),
        [400],
      ],
      [
        'missing X-GitHub-Delivery',
        () => post(h, { body: valid, headers: { 'x-github-delivery': undefined } }),
        [400],
      ],
      [
        'huge X-GitHub-Delivery',
        () => post(h, { body: valid, headers: { 'x-github-delivery': 'd'.repeat(8000) } }),
        [400],
      ],
      [
        'odd X-GitHub-Delivery',
        () => post(h, { body: valid, headers: { 'x-github-delivery': 'a b"c' } }),
        [400],
      ],
      [
        'upper-case event',
        () => post(h, { body: valid, headers: { 'x-github-event': 'PUSH' } }),
        [400],
      ],
      [
        'event with a dot',
        () => post(h, { body: valid, headers: { 'x-github-event': 'push.x' } }),
        [400],
      ],
      [
        '__proto__ event',
        () => post(h, { event: '__proto__', body: '{"action":"x"}' }),
        [200, 202, 400],
      ],
      [
        'constructor event',
        () => post(h, { event: 'constructor', body: '{"action":"x"}' }),
        [200, 202, 400],
      ],
      [
        'hasownproperty event',
        () => post(h, { event: 'hasownproperty', body: '{}' }),
        [200, 202, 400],
      ],
      ['unknown event', () => post(h, { event: 'star', body: '{"action":"created"}' }), [200, 202]],
      [
        'Content-Length larger than the body',
        () =>
          rawRequest(
            h,
            [
              'content-type: application/json',
              'x-github-event: push',
              'x-github-delivery: cl-1',
              `x-hub-signature-256: ${sign(valid, h.app.webhookSecret)}`,
              `content-length: ${valid.length + 100}`,
            ],
            Buffer.from(valid),
            1_500,
          ),
        // The App waits for the rest; the client gives up: no answer is a fine outcome here.
        [400, 408],
      ],
      [
        'Content-Length smaller than the body',
        () =>
          rawRequest(
            h,
            [
              'content-type: application/json',
              'x-github-event: push',
              'x-github-delivery: cl-2',
              `x-hub-signature-256: ${sign(valid, h.app.webhookSecret)}`,
              `content-length: ${valid.length - 10}`,
            ],
            Buffer.from(valid),
          ),
        [400],
      ],
      [
        'Content-Length not a number',
        () =>
          rawRequest(
            h,
            [
              'content-type: application/json',
              'x-github-event: push',
              'x-github-delivery: cl-3',
              `x-hub-signature-256: ${sign(valid, h.app.webhookSecret)}`,
              'content-length: abc',
            ],
            Buffer.from(valid),
          ),
        [400],
      ],
      [
        'Content-Length of 50 MB declared',
        () =>
          rawRequest(
            h,
            [
              'content-type: application/json',
              'x-github-event: push',
              'x-github-delivery: cl-4',
              `x-hub-signature-256: ${sign(valid, h.app.webhookSecret)}`,
              `content-length: ${50 * MB}`,
            ],
            Buffer.from(valid),
          ),
        [413],
      ],
    ];
    const wrong: string[] = [];
    for (const [label, send, allowed] of cases) {
      const t0 = Date.now();
      const a = await send();
      const ms = Date.now() - t0;
      const noAnswerOk = label.startsWith('Content-Length larger');
      if (!(allowed.includes(a.status as number) || (noAnswerOk && a.status === 'reset')))
        wrong.push(`${label}: ${a.status} ${a.body.slice(0, 120)} (allowed ${allowed.join('/')})`);
      if (ms > 5_000) wrong.push(`${label}: took ${ms} ms`);
    }
    expect(wrong).toEqual([]);
    expect(enqueued()).toBe(before);
  }, 120_000);

  it('afterwards: alive, healthy, clean log, no write from junk, and a valid push completes one check run', async () => {
    expect(h.app.child.exitCode).toBeNull();
    expect((await fetch(`${h.app.baseUrl}/healthz`)).status).toBe(200);

    const lines = h.app.logs().split('\n');
    const excerpt = (re: RegExp): string[] =>
      lines
        .filter((l) => re.test(l))
        .map((l) => l.slice(0, 400))
        .slice(0, 5);
    expect(excerpt(/unhandled|uncaught/i)).toEqual([]);
    expect(excerpt(/"msg":"webhook (handler|endpoint) failed"/)).toEqual([]);
    expect(lines.filter((l) => l.includes(TOKEN)).length).toBe(0);
    expect(lines.filter((l) => l.includes(h.app.webhookSecret)).length).toBe(0);
    // Lines are kept under 32 KB (src/app/redact-logs.ts) whatever a payload holds.
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(33 * 1024);

    // Writes (not reads, not tokens) only ever went to the fuzz repository itself.
    const writes = h.gh.requests.filter(
      (r) => r.method !== 'GET' && !/^\/app\/installations\/\d+\/access_tokens$/.test(r.path),
    );
    const stray = writes.filter(
      (r) => !/^\/repos\/acme\/fuzz\/(check-runs|commits\/[0-9a-f]{40}\/comments)/.test(r.path),
    );
    expect(stray.map((r) => `${r.method} ${r.path.slice(0, 200)}`)).toEqual([]);
    // Check runs only for the fuzz repository's real commits (junk SHAs never reached GitHub).
    expect(h.gh.checkRuns.every((c) => c.head_sha === head || c.head_sha === base)).toBe(true);

    // A valid push to another repository: exactly one completed check run.
    const valid = h.addRepo('valid', 7002);
    const r = h.repo();
    r.write('README.md', '# valid\n');
    const sha = r.commit('initial');
    await h.push(r, valid, 'main');
    const res = await h.send(
      'push',
      pushEvent(valid, { ref: 'refs/heads/main', before: ZERO, after: sha }),
    );
    expect(res.status).toBe(200);
    await until(
      'completed check run',
      () => h.gh.checkRuns.find((c) => c.head_sha === sha && c.status === 'completed'),
      30_000,
    );
    await new Promise((res2) => setTimeout(res2, 500));
    expect(h.gh.checkRuns.filter((c) => c.head_sha === sha)).toHaveLength(1);
  }, 60_000);
});
