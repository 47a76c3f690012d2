/**
 * A delivery for an installation GitHub no longer knows (the App was uninstalled or the
 * installation suspended between the event and the job): minting its token answers 404 (gone) or
 * 403 (suspended). Retrying cannot help, so the job fails for good at once instead of retrying
 * for about ten hours, and nothing is written anywhere.
 */
import { startHarness, until, type Harness } from './harness.js';
import { pushEvent } from '../helpers/webhooks.js';

describe('a job whose installation is gone (app process)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { UPSTASH_GUARD_BACKOFF_MS: '200' } });
  }, 30_000);
  afterAll(() => h?.close());

  it.each([
    [404, 'gone', 9001],
    [403, 'suspended', 9002],
  ])(
    'a %i on the token fails the job for good on its first attempt (%s)',
    async (status, _why, inst) => {
      const ref = { ...h.addRepo(`r${inst}`, inst), installationId: inst };
      h.gh.fail({
        method: 'POST',
        path: new RegExp(`/app/installations/${inst}/access_tokens`),
        status,
        message: status === 403 ? 'This installation has been suspended' : 'Not Found',
      });
      const sha = 'a'.repeat(39) + String(status % 10);
      const res = await h.send(
        'push',
        pushEvent(ref, { ref: 'refs/heads/main', before: 'b'.repeat(40), after: sha }),
      );
      expect(res.status).toBe(200);
      const failed = (): string[] =>
        h.app
          .logs()
          .split('\n')
          .filter((l) => l.includes(sha) && /failed/.test(l));
      await until('the job failed', () => (failed().length > 0 ? true : undefined));
      await new Promise((r) => setTimeout(r, 1000));
      expect(failed()).toHaveLength(1);
      expect(failed()[0]).toContain('failed for good');
      expect(h.gh.checkRuns).toHaveLength(0);
    },
    30_000,
  );
});
