/**
 * Config loading against the loopback GitHub double: the repository's file comes from the clone
 * (no request), the organisation's `.github` file is cached for the TTL and then revalidated with
 * its ETag (304), and `_extends` merges a base under the file (Probot's context.config semantics).
 */
import { ProbotOctokit } from 'probot';
import { loadRepoConfig } from '../../src/github/load-config.js';
import { ConfigFileCache } from '../../src/github/org-config-cache.js';
import type { GitHubClient } from '../../src/github/types.js';
import { startGitHubDouble, type GitHubDouble } from '../helpers/github-double.js';

let gh: GitHubDouble;
const PATH = '.github/upstash-guard.yml';
beforeAll(async () => {
  gh = await startGitHubDouble();
  gh.addRepo({ owner: 'acme', name: 'app', cloneUrl: 'http://127.0.0.1:9/x.git' });
  gh.addRepo({
    owner: 'acme',
    name: '.github',
    cloneUrl: 'http://127.0.0.1:9/y.git',
    files: new Map([[PATH, 'failOn: critical\nignorePaths: ["vendor/**"]\n']]),
  });
  gh.addRepo({
    owner: 'acme',
    name: 'policies',
    cloneUrl: 'http://127.0.0.1:9/z.git',
    files: new Map([['base.yml', 'failOn: medium\nignorePaths: ["dist/**"]\nverify: false\n']]),
  });
});
afterAll(() => gh.close());

function client(): GitHubClient {
  const Octo = ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } });
  return new Octo({ auth: { token: 't' }, baseUrl: gh.apiUrl }) as unknown as GitHubClient;
}
const repo = { owner: 'acme', repo: 'app' };
const SHA = 'a'.repeat(40);

test('organisation fallback: one request per TTL, then an ETag revalidation answered 304', async () => {
  let now = 1_000;
  const cache = new ConfigFileCache(60_000, () => now);
  const octo = client();
  const before = gh.requests.length;
  const absent = { readRepoFile: async () => undefined, cache };
  for (let i = 0; i < 5; i++) {
    const loaded = await loadRepoConfig(octo, repo, SHA, absent);
    expect(loaded.config.failOn).toBe('critical');
  }
  expect(gh.requests.slice(before).map((r) => [r.path, r.status])).toEqual([
    ['/repos/acme/.github/contents/.github%2Fupstash-guard.yml', 200],
  ]);
  now += 61_000;
  const again = await loadRepoConfig(octo, repo, SHA, absent);
  expect(again.config.ignorePaths).toEqual(['vendor/**']);
  const last = gh.requests.at(-1)!;
  expect(last.status).toBe(304);
  expect(last.headers['if-none-match']).toMatch(/^"[0-9a-f]{40}"$/);
});

test('the repository file from the clone wins and costs no request; _extends merges a base under it', async () => {
  const cache = new ConfigFileCache();
  const before = gh.requests.length;
  const plain = await loadRepoConfig(client(), repo, SHA, {
    readRepoFile: async () => 'failOn: low\n',
    cache,
  });
  expect(plain.config.failOn).toBe('low');
  expect(gh.requests.length).toBe(before);
  const extended = await loadRepoConfig(client(), repo, SHA, {
    readRepoFile: async () => '_extends: policies:base.yml\nignorePaths: ["tmp/**"]\n',
    cache,
  });
  expect(extended.error).toBeUndefined();
  expect(extended.config).toMatchObject({
    failOn: 'medium',
    verify: false,
    ignorePaths: ['dist/**', 'tmp/**'],
  });
});

test('_extends errors are reported as config errors: missing base, loop, bad value', async () => {
  const cache = new ConfigFileCache();
  const load = (text: string) =>
    loadRepoConfig(client(), repo, SHA, { readRepoFile: async () => text, cache });
  expect((await load('_extends: nowhere\n')).error?.message).toMatch(/does not exist/);
  expect((await load('_extends: [a, b]\n')).error?.field).toBe('_extends');
  expect((await load('_extends: "../x"\n')).error?.message).toMatch(/not owner\/repo/);
  expect((await load('_extends: app\n')).error?.message).toMatch(/loops back/);
});

test('a clone that cannot answer falls back to the API at the ref', async () => {
  const before = gh.requests.length;
  const loaded = await loadRepoConfig(client(), repo, SHA, {
    readRepoFile: () => Promise.reject(new Error('commit not in clone')),
    cache: new ConfigFileCache(),
  });
  expect(loaded.config.failOn).toBe('critical');
  expect(gh.requests.slice(before)[0]!.path).toContain(`/repos/acme/app/contents/`);
});
