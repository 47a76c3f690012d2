/**
 * The check before a PR comment changes (src/github/pr-head.ts): is the scanned head still the
 * PR's? Real Octokit requests to the loopback GitHub double, whose PR 5 has head `b…`.
 */
import { Octokit } from '@octokit/rest';
import { prHeadFor } from '../../src/github/pr-head.js';
import { startGitHubDouble, type GitHubDouble } from '../helpers/github-double.js';

const sha = (c: string): string => c.repeat(40);
const repo = { owner: 'acme', repo: 'app' };
let gh: GitHubDouble;
let octokit: Octokit;
beforeAll(async () => {
  gh = await startGitHubDouble();
  const s = gh.addRepo({ owner: 'acme', name: 'app', cloneUrl: gh.cloneUrl('acme', 'app') });
  s.pulls.push({ number: 5, headSha: sha('b'), headRef: 'feature', baseRef: 'main' });
  octokit = new Octokit({ baseUrl: gh.apiUrl, auth: 'ghs_prHeadTest', request: { retries: 0 } });
});
afterAll(async () => gh?.close());
afterEach(() => gh.clearFailures());

const never = async (): Promise<boolean> => false;

test('the PR’s head, or one the job’s head descends from (GitHub lagging), is current', async () => {
  expect(await prHeadFor(octokit, repo, { pr: 5, headSha: sha('b') }, never)).toEqual({
    current: true,
  });
  // A synchronize whose `before` GitHub still shows.
  expect(
    await prHeadFor(octokit, repo, { pr: 5, headSha: sha('c'), previousHead: sha('b') }, never),
  ).toEqual({ current: true });
  expect(
    await prHeadFor(octokit, repo, { pr: 5, headSha: sha('c') }, async (h) => h === sha('b')),
  ).toEqual({ current: true });
});

test('another head: the PR moved on; 404: gone', async () => {
  expect(await prHeadFor(octokit, repo, { pr: 5, headSha: sha('a') }, never)).toEqual({
    current: false,
    head: sha('b'),
  });
  expect(await prHeadFor(octokit, repo, { pr: 6, headSha: sha('a') }, never)).toEqual({
    current: false,
    gone: true,
  });
});

test('a refusal writes as before; any other failure is thrown (the job retries)', async () => {
  gh.fail({ path: /\/pulls\/5$/, status: 403, message: 'Resource not accessible by integration' });
  expect(await prHeadFor(octokit, repo, { pr: 5, headSha: sha('a') }, never)).toEqual({
    current: true,
  });
  gh.clearFailures();
  gh.fail({ path: /\/pulls\/5$/, status: 502 });
  await expect(prHeadFor(octokit, repo, { pr: 5, headSha: sha('a') }, never)).rejects.toMatchObject(
    { status: 502 },
  );
  gh.clearFailures();
  gh.fail({ path: /\/pulls\/5$/, status: 429, retryAfter: 1 });
  await expect(prHeadFor(octokit, repo, { pr: 5, headSha: sha('a') }, never)).rejects.toMatchObject(
    { status: 429 },
  );
});
