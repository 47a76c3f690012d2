/**
 * GitHub operations against nock at the HTTP level, through ProbotOctokit with retry/throttle off:
 * exact requests, annotation batches of 50, one PR comment edited in place, commit comments once
 * per (commit, fingerprint) with the 422 fallback and a 403 refusal thrown once, and no raw secret in
 * any request body.
 */
import nock from 'nock';
import { ProbotOctokit } from 'probot';
import { collectFindings, DEFAULT_CONFIG, scanText } from '../../src/core/index.js';
import type { Finding } from '../../src/core/index.js';
import { completeCheckRun, createCheckRun } from '../../src/github/check-run.js';
import { commentOnCommits } from '../../src/github/commit-comments.js';
import { findPrComment, upsertPrComment } from '../../src/github/pr-comment.js';
import type { GitHubClient } from '../../src/github/types.js';
import { PR_COMMENT_MARKER } from '../../src/report/index.js';
import { redisToken } from '../helpers/synthetic.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- request bodies are free-form JSON
type Body = Record<string, any>;
const API = 'https://api.github.com';
const repo = { owner: 'acme', repo: 'web' };
const COMMIT = 'a'.repeat(40);
const BOT = { login: 'upstash-guard[bot]', type: 'Bot' };
const HUMAN = { login: 'mallory', type: 'User' };

function client(): GitHubClient {
  const Octo = ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } });
  return new Octo({ auth: { token: 'test-installation-token' } }) as unknown as GitHubClient;
}

/** Every body sent to GitHub, to grep for the raw secret. */
const bodies: string[] = [];
function record(body: unknown): true {
  bodies.push(JSON.stringify(body));
  return true;
}

function findingWithSecret(): { finding: Finding; secret: string } {
  const secret = redisToken({ seed: 'github-ops' });
  const text = `UPSTASH_REDIS_REST_URL=https://able-cat-12345.upstash.io\nUPSTASH_REDIS_REST_TOKEN=${secret}\n`;
  const hits = scanText({ path: 'src/env.ts', text, commit: COMMIT });
  const { findings } = collectFindings(hits, { config: DEFAULT_CONFIG });
  expect(findings.length).toBeGreaterThan(0);
  return { finding: findings[0]!, secret };
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});
afterAll(() => nock.enableNetConnect());

test('check run: created in_progress on the head SHA, completed with annotations in batches of 50', async () => {
  const sent: Array<Record<string, unknown>> = [];
  nock(API)
    .post('/repos/acme/web/check-runs', (b) => record(b) && sent.push(b) > 0)
    .reply(201, { id: 7 });
  const gh = client();
  const id = await createCheckRun(gh, repo, COMMIT);
  expect(id).toBe(7);
  expect(sent[0]).toMatchObject({
    name: 'Upstash credentials',
    head_sha: COMMIT,
    status: 'in_progress',
  });

  const annotations = Array.from({ length: 120 }, (_, i) => ({
    path: 'a.ts',
    start_line: i + 1,
    end_line: i + 1,
    annotation_level: 'failure' as const,
    message: `m${i}`,
  }));
  const patches: Body[] = [];
  nock(API)
    .patch('/repos/acme/web/check-runs/7', (b) => record(b) && patches.push(b) > 0)
    .times(3)
    .reply(200, { id: 7 });
  await completeCheckRun(gh, repo, 7, {
    conclusion: 'failure',
    title: 't',
    summary: 's',
    text: 'x',
    annotations,
  } as never);
  expect(patches.map((p) => p.output.annotations.length)).toEqual([50, 50, 20]);
  expect(patches[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
  expect(patches[0]!.actions[0].identifier).toBe('reverify');
  expect(patches[1]!.conclusion).toBeUndefined();
  expect(patches[2]!.output.annotations[19].message).toBe('m119');
});

test('PR comment: created once, edited only when changed, never duplicated', async () => {
  const gh = client();
  // No comment yet, nothing to say: no request at all besides the lookup.
  nock(API)
    .get('/repos/acme/web/issues/3/comments')
    .query(true)
    .reply(200, [{ id: 1, body: 'lgtm', user: HUMAN }]);
  const none = await findPrComment(gh, repo, 3);
  expect(none).toBeUndefined();
  expect(await upsertPrComment(gh, repo, 3, none, null)).toBe('none');

  const first = `${PR_COMMENT_MARKER}\nfound one`;
  nock(API)
    .post('/repos/acme/web/issues/3/comments', (b) => record(b) && b.body === first)
    .reply(201, { id: 44, body: first });
  expect(await upsertPrComment(gh, repo, 3, none, first)).toBe('created');

  nock(API)
    .get('/repos/acme/web/issues/3/comments')
    .query(true)
    .reply(200, [
      { id: 1, body: 'lgtm', user: HUMAN },
      { id: 44, body: first, user: BOT },
    ]);
  const mine = await findPrComment(gh, repo, 3);
  expect(mine).toEqual({ id: 44, body: first });
  // Same text: no request (nock would fail on an unexpected one).
  expect(await upsertPrComment(gh, repo, 3, mine, first)).toBe('unchanged');

  const resolved = `${PR_COMMENT_MARKER}\nresolved`;
  nock(API)
    .patch('/repos/acme/web/issues/comments/44', (b) => record(b) && b.body === resolved)
    .reply(200, { id: 44 });
  expect(await upsertPrComment(gh, repo, 3, mine, resolved)).toBe('updated');
});

test('commit comments: once per (commit, fingerprint); 422 falls back, a 403 refusal stops them; no raw secret sent', async () => {
  const { finding, secret } = findingWithSecret();
  const gh = client();
  const posted: Body[] = [];
  nock(API).get(`/repos/acme/web/commits/${COMMIT}/comments`).query(true).reply(200, []);
  nock(API)
    .post(`/repos/acme/web/commits/${COMMIT}/comments`, (b) => record(b) && posted.push(b) > 0)
    .reply(201, { id: 9 });
  expect(await commentOnCommits(gh, repo, [finding], {})).toEqual({
    created: 1,
    refused: 0,
    skipped: 0,
  });
  expect(posted[0]).toMatchObject({ path: 'src/env.ts', line: 2 });

  // A later run sees its own marker and stays quiet.
  nock(API)
    .get(`/repos/acme/web/commits/${COMMIT}/comments`)
    .query(true)
    .reply(200, [{ id: 9, body: posted[0]!.body, user: BOT }]);
  expect(await commentOnCommits(gh, repo, [finding], {})).toEqual({
    created: 0,
    refused: 0,
    skipped: 1,
  });

  // 422 (a line outside the diff) refuses that comment only.
  nock(API).get(`/repos/acme/web/commits/${COMMIT}/comments`).query(true).reply(200, []);
  nock(API)
    .post(`/repos/acme/web/commits/${COMMIT}/comments`, (b) => record(b))
    .reply(422, { message: 'refused' });
  expect(await commentOnCommits(gh, repo, [finding], {})).toEqual({
    created: 0,
    refused: 1,
    skipped: 0,
  });

  // A 403 that is no rate limit refuses the route: thrown once, naming the permission, and no
  // other commit is tried (nock fails the test on an unexpected request).
  const other = {
    ...finding,
    occurrences: [{ ...finding.occurrences[0]!, commit: 'b'.repeat(40) }],
  };
  nock(API).get(`/repos/acme/web/commits/${COMMIT}/comments`).query(true).reply(200, []);
  nock(API)
    .post(`/repos/acme/web/commits/${COMMIT}/comments`, (b) => record(b))
    .reply(403, { message: 'Resource not accessible by integration' });
  await expect(commentOnCommits(gh, repo, [finding, other], {})).rejects.toMatchObject({
    name: 'GitHubRefusedError',
    status: 403,
    message: expect.stringContaining('"Contents: write"'),
  });

  // A 500 is not swallowed: the job retries.
  nock(API).get(`/repos/acme/web/commits/${COMMIT}/comments`).query(true).reply(200, []);
  nock(API).post(`/repos/acme/web/commits/${COMMIT}/comments`).reply(500, {});
  await expect(commentOnCommits(gh, repo, [finding], {})).rejects.toMatchObject({ status: 500 });

  expect(bodies.length).toBeGreaterThan(3);
  for (const b of bodies) expect(b).not.toContain(secret);
  expect(bodies.join('\n')).toContain(finding.masked.slice(0, 4));
});

test('commit comments stop before the next one when a newer scan will cover them (stopWhen)', async () => {
  const { finding } = findingWithSecret();
  const gh = client();
  const second = {
    ...finding,
    fingerprint: `${finding.fingerprint}-2`,
    occurrences: [{ ...finding.occurrences[0]!, commit: 'b'.repeat(40) }],
  };
  nock(API).get(`/repos/acme/web/commits/${COMMIT}/comments`).query(true).reply(200, []);
  nock(API).post(`/repos/acme/web/commits/${COMMIT}/comments`).reply(201, { id: 1 });
  nock(API)
    .get(`/repos/acme/web/commits/${'b'.repeat(40)}/comments`)
    .query(true)
    .reply(200, []);
  let asked = 0;
  // Newer pushes arrive after the first comment: the second is left to the next scan (nock fails
  // the test on an unexpected POST).
  const r = await commentOnCommits(gh, repo, [finding, second], {
    stopWhen: async () => ++asked > 1,
  });
  expect(r).toEqual({ created: 1, refused: 0, skipped: 0, stopped: true });
  expect(asked).toBe(2);
});

test("a user's comment carrying the hidden marker is not taken for the App's own (it would hide the report)", async () => {
  const gh = client();
  const { finding } = findingWithSecret();
  // Anyone who can comment (any GitHub user, on a public repository) can post the marker first.
  const spoof = `${PR_COMMENT_MARKER}\nnothing to see here`;
  nock(API)
    .get('/repos/acme/web/issues/5/comments')
    .query(true)
    .reply(200, [{ id: 7, body: spoof, user: HUMAN }]);
  expect(await findPrComment(gh, repo, 5)).toBeUndefined();
  // The commit comment marker names the fingerprint, which whoever leaked the value can compute.
  const { commitCommentMarker } = await import('../../src/report/index.js');
  nock(API)
    .get(`/repos/acme/web/commits/${COMMIT}/comments`)
    .query(true)
    .reply(200, [{ id: 8, body: commitCommentMarker(finding.fingerprint), user: HUMAN }]);
  nock(API).post(`/repos/acme/web/commits/${COMMIT}/comments`).reply(201, { id: 10 });
  expect(await commentOnCommits(gh, repo, [finding], {})).toEqual({
    created: 1,
    refused: 0,
    skipped: 0,
  });
});

test("a file name quoting another finding's marker does not hide that finding's commit comment", async () => {
  const gh = client();
  const secretA = redisToken({ seed: 'marker-a' });
  const secretB = redisToken({ seed: 'marker-b' });
  const { commitCommentMarker } = await import('../../src/report/index.js');
  // The fingerprint of B is computable by whoever pushes B (the default key is public), so the
  // path of A, which the App quotes in A's comment, can carry B's marker.
  const findingOf = (path: string, secret: string): Finding => {
    const text = `UPSTASH_REDIS_REST_URL=https://able-cat-12345.upstash.io\nUPSTASH_REDIS_REST_TOKEN=${secret}\n`;
    const { findings } = collectFindings(scanText({ path, text, commit: COMMIT }), {
      config: DEFAULT_CONFIG,
    });
    return findings[0]!;
  };
  const b = findingOf('b.env', secretB);
  const a = findingOf(`a ${commitCommentMarker(b.fingerprint)}.env`, secretA);
  const posted: Body[] = [];
  nock(API).get(`/repos/acme/web/commits/${COMMIT}/comments`).query(true).reply(200, []);
  nock(API)
    .post(`/repos/acme/web/commits/${COMMIT}/comments`, (body) => posted.push(body) > 0)
    .times(2)
    .reply(201, { id: 11 });
  expect(await commentOnCommits(gh, repo, [a, b], {})).toEqual({
    created: 2,
    refused: 0,
    skipped: 0,
  });
  expect(posted[0]!.body).toContain(commitCommentMarker(b.fingerprint));

  // A later run reads both comments back: each one still counts for its own finding only.
  nock(API)
    .get(`/repos/acme/web/commits/${COMMIT}/comments`)
    .query(true)
    .reply(200, [{ id: 11, body: posted[0]!.body, user: BOT }]);
  nock(API).post(`/repos/acme/web/commits/${COMMIT}/comments`).reply(201, { id: 12 });
  expect(await commentOnCommits(gh, repo, [a, b], {})).toEqual({
    created: 1,
    refused: 0,
    skipped: 1,
  });
});

test("another App's comment carrying the marker is not taken for ours once the App's login is known", async () => {
  const gh = client();
  const { finding } = findingWithSecret();
  const login = BOT.login;
  // A bot that echoes what a user wrote (a chat-ops or triage App) posts the marker first.
  const other = { login: 'echo-bot[bot]', type: 'Bot' };
  const spoof = `${PR_COMMENT_MARKER}\nnothing to see here`;
  nock(API)
    .get('/repos/acme/web/issues/5/comments')
    .query(true)
    .reply(200, [
      { id: 7, body: spoof, user: other },
      { id: 9, body: `${PR_COMMENT_MARKER}\nours`, user: BOT },
    ]);
  expect(await findPrComment(gh, repo, 5, login)).toEqual({
    id: 9,
    body: `${PR_COMMENT_MARKER}\nours`,
  });
  const { commitCommentMarker } = await import('../../src/report/index.js');
  nock(API)
    .get(`/repos/acme/web/commits/${COMMIT}/comments`)
    .query(true)
    .reply(200, [{ id: 8, body: commitCommentMarker(finding.fingerprint), user: other }]);
  nock(API).post(`/repos/acme/web/commits/${COMMIT}/comments`).reply(201, { id: 10 });
  expect(await commentOnCommits(gh, repo, [finding], { author: login })).toEqual({
    created: 1,
    refused: 0,
    skipped: 0,
  });
  // Without the login (GET /app failed), any bot's marker still counts: no second comment.
  nock(API)
    .get(`/repos/acme/web/commits/${COMMIT}/comments`)
    .query(true)
    .reply(200, [{ id: 8, body: commitCommentMarker(finding.fingerprint), user: other }]);
  expect(await commentOnCommits(gh, repo, [finding], {})).toEqual({
    created: 0,
    refused: 0,
    skipped: 1,
  });
});
