/**
 * GitHub does not redeliver a failed webhook delivery by itself. A push made while the App was down
 * (a deploy, a crash) was never scanned. The App lists its recent deliveries and asks for another
 * attempt of each that never succeeded: the push is then scanned and reported, once.
 */
import { pushEvent } from '../helpers/webhooks.js';
import { pushedLeak, startHarness, until, type Harness } from './harness.js';

describe('failed webhook deliveries are asked for again (app process)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { UPSTASH_GUARD_REDELIVER_MS: '1000' } });
    h.gh.setWebhook(h.app.webhookUrl, h.app.webhookSecret);
  }, 30_000);
  afterAll(() => h?.close());

  it('a push delivered while the App was down is redelivered, scanned and reported once', async () => {
    const { target, first, second } = await pushedLeak(h, {
      name: 'down-push',
      id: 1401,
      seed: 'redeliver-push',
    });
    const payload = pushEvent(target, { ref: 'refs/heads/main', before: first, after: second });
    // GitHub could not reach the App five minutes ago.
    const missed = h.gh.addDelivery({ event: 'push', payload, status: 502, agoMs: 300_000 });
    // Deliveries another attempt would not help (a bad signature) or that went through.
    const unsigned = h.gh.addDelivery({ event: 'push', payload, status: 401, agoMs: 200_000 });
    const fine = h.gh.addDelivery({ event: 'push', payload, status: 200, agoMs: 100_000 });
    const run = await until('check run of the redelivered push', () =>
      h.gh.checkRuns.find((c) => c.head_sha === second && c.status === 'completed'),
    );
    expect(run.conclusion).toBe('failure');
    const attempts = (guid: string) => h.gh.deliveries.filter((d) => d.guid === guid);
    await until('the redelivery answered', () =>
      attempts(missed.guid).some((d) => d.redelivery && d.status_code === 200) ? true : undefined,
    );
    // Two more passes: nothing asked again.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(attempts(missed.guid)).toHaveLength(2);
    expect(attempts(unsigned.guid)).toHaveLength(1);
    expect(attempts(fine.guid)).toHaveLength(1);
    expect(h.gh.checkRuns.filter((c) => c.head_sha === second)).toHaveLength(1);
    expect(h.app.logs()).toContain('asked GitHub to deliver it again');
    const metrics = await (await fetch(`${h.app.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/webhook_redeliveries_total 1\b/);
  });
});

describe('a GitHub without the deliveries endpoint (app process)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { UPSTASH_GUARD_REDELIVER_MS: '300' } });
  }, 30_000);
  afterAll(() => h?.close());

  it('is said once, not at every pass', async () => {
    h.gh.fail({ method: 'GET', path: /^\/app\/hook\/deliveries/, status: 404 });
    const listed = () =>
      h.gh.requests.filter((r) => r.path.startsWith('/app/hook/deliveries')).length;
    await until('three passes', () => (listed() >= 3 ? true : undefined));
    const said = h.app
      .logs()
      .split('\n')
      .filter((l) => l.includes('this GitHub does not list webhook deliveries'));
    expect(said).toHaveLength(1);
  });
});
