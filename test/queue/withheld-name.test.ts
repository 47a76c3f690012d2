/**
 * Names a pusher chooses (branch, tag, default branch) never reach job data raw when they hold a
 * credential: the job keeps the masked name and a digest, and ids and serial keys use the digest.
 */
import { pushJob, repoFields, rerunJob } from '../../src/app/to-scan-job.js';
import { jobIdOf, serialKeyOf } from '../../src/queue/scan-job.js';
import { nameDigest, withheldName } from '../../src/queue/withheld-name.js';
import { redisTokenParts } from '../helpers/synthetic.js';

const token = redisTokenParts({ seed: 'withheld-unit' }).token;
const other = redisTokenParts({ seed: 'withheld-unit-2' }).token;
const repository = {
  id: 7,
  full_name: 'acme/app',
  html_url: 'https://github.com/acme/app',
  default_branch: `leak/${token}`,
};
const sha = 'a'.repeat(40);
const hex = (s: string): string => Buffer.from(s).toString('hex');

test('an ordinary name is kept as is', () => {
  expect(withheldName('refs/heads/feature/login-page')).toEqual({
    shown: 'refs/heads/feature/login-page',
  });
});

test('a push to leak/<token>: masked ref and digest in the job, ids and keys without the token', () => {
  const job = pushJob({
    ref: `refs/heads/leak/${token}`,
    before: '0'.repeat(40),
    after: sha,
    repository,
    installation: { id: 1 },
  })!;
  expect(job.refDigest).toBe(nameDigest(`refs/heads/leak/${token}`));
  expect(job.ref).toMatch(/^refs\/heads\/leak\//);
  expect(job.defaultBranchDigest).toBe(nameDigest(`leak/${token}`));
  const stored = JSON.stringify(job) + jobIdOf(job) + serialKeyOf(job);
  expect(stored).not.toContain(token);
  expect(stored).not.toContain(hex(token));
  // Two branches whose names mask alike stay apart (the digest, not the masked name, keys them).
  const twin = pushJob({
    ref: `refs/heads/leak/${other}`,
    after: sha,
    repository,
    installation: { id: 1 },
  })!;
  expect(serialKeyOf(twin)).not.toBe(serialKeyOf(job));
});

test('a Re-run naming the branch and a repository whose default branch is a token', () => {
  const job = rerunJob({
    check_suite: { head_sha: sha, head_branch: `leak/${token}`, pull_requests: [] },
    repository,
    installation: { id: 1 },
  })!;
  expect(JSON.stringify(job) + jobIdOf(job)).not.toContain(token);
  expect(job.refDigest).toBe(nameDigest(`refs/heads/leak/${token}`));
  expect(JSON.stringify(repoFields(repository))).not.toContain(token);
});
