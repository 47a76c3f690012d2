/**
 * GitHub's secondary rate limit (429 + retry-after) through Probot's Octokit as the App builds it
 * (throttling on): the write waits and is retried, so the report is not lost.
 */
import nock from 'nock';
import { ProbotOctokit } from 'probot';
import { createCheckRun } from '../../src/github/check-run.js';
import type { GitHubClient } from '../../src/github/types.js';

afterEach(() => nock.cleanAll());

test('429 with retry-after: the check run is created after the wait', async () => {
  const Octo = ProbotOctokit.defaults({ retry: { enabled: false } });
  const warnings: string[] = [];
  const noop = (): void => undefined;
  const log = { debug: noop, info: noop, error: noop, warn: (m: string) => void warnings.push(m) };
  const gh = new Octo({
    auth: { token: 'test-installation-token' },
    log,
  }) as unknown as GitHubClient;
  const times: number[] = [];
  nock('https://api.github.com')
    .post('/repos/acme/web/check-runs')
    .reply(() => {
      times.push(Date.now());
      return [429, { message: 'You have exceeded a secondary rate limit' }, { 'retry-after': '1' }];
    })
    .post('/repos/acme/web/check-runs')
    .reply(() => {
      times.push(Date.now());
      return [201, { id: 5 }];
    });
  const id = await createCheckRun(gh, { owner: 'acme', repo: 'web' }, 'a'.repeat(40));
  expect(id).toBe(5);
  expect(times).toHaveLength(2);
  expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(900);
  expect(nock.pendingMocks()).toEqual([]);
  expect(warnings.join('\n')).toMatch(/rate limit/i);
  expect(warnings.join('\n')).not.toContain('test-installation-token');
}, 15_000);
