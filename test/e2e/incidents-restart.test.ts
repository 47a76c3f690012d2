/**
 * Incidents across process deaths, with the App as a process on the durable in-process queue: the
 * App is SIGKILLed after a scan was reported but before its incident was recorded, and again right
 * after accepting the push that rewrites the leak out of history. Each restart replays the journal;
 * the lifecycle still ends with one incident, its removal from history recorded, each transition once, one completed check
 * run per head and no comment posted twice.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type AppProcess } from '../helpers/app-process.js';
import { redisEndpoint, redisTokenParts } from '../helpers/synthetic.js';
import { deliver, installationCreatedEvent, pushEvent } from '../helpers/webhooks.js';
import { startHarness, until, type Harness } from './harness.js';

const INSTALLATION = 4343;

interface Stored {
  incidents: Record<
    string,
    {
      status: string;
      transitions: { from: string; to: string; cause: string }[];
      repositories: { fullName: string; reachable?: boolean }[];
    }
  >;
}

describe('incidents survive the App being killed mid-lifecycle (in-process queue, journal)', () => {
  let h: Harness;
  let dataDir: string;
  let cacheDir: string;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ug-incidents-restart-data-'));
    cacheDir = mkdtempSync(join(tmpdir(), 'ug-incidents-restart-cache-'));
    h = await startHarness({
      cacheDir,
      env: { UPSTASH_GUARD_DATA_DIR: dataDir, UPSTASH_GUARD_TEST_HANG_AT: 'incidents' },
    });
  }, 60_000);

  afterAll(async () => {
    if (process.env.UG_DEBUG)
      (await import('node:fs')).writeFileSync(
        '/tmp/ir-logs.txt',
        [h.app, ...apps].map((a) => a.logs()).join('\n=====\n'),
      );
    for (const a of apps) await a.stop('SIGKILL');
    await h?.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  });

  const stored = (): Stored | undefined => {
    const file = join(dataDir, 'incidents', `installation-${INSTALLATION}.json`);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Stored) : undefined;
  };
  const restart = async (env: Record<string, string> = {}): Promise<AppProcess> => {
    const app = await startApp({
      githubHost: h.gh.host,
      cacheDir,
      env: { UPSTASH_GUARD_DATA_DIR: dataDir, ...env },
    });
    apps.push(app);
    return app;
  };

  it('records the leak once and its removal from history once, whatever step the process died at', async () => {
    const leak = redisTokenParts({ seed: 'incidents-restart' });
    const host = new URL(redisEndpoint(leak.dbId, { seed: 'incidents-restart' })).hostname;
    const ref = { ...h.addRepo('ledger', 901), installationId: INSTALLATION };
    const r = h.repo();
    r.write('README.md', '# ledger\n');
    const clean = r.commit('initial');
    r.write(
      '.env',
      `UPSTASH_REDIS_REST_URL=https://${host}\nUPSTASH_REDIS_REST_TOKEN=${leak.token}\n`,
    );
    const leaky = r.commit('configure redis');
    await h.push(r, ref, 'main');
    const state = h.gh.addRepo({ owner: 'acme', name: 'ledger', id: 901, cloneUrl: ref.cloneUrl });
    state.branches.set('main', leaky);

    // 1. Install: the history scan is reported, then the process dies before the incident exists.
    expect((await h.send('installation', installationCreatedEvent(ref))).status).toBeLessThan(300);
    await h.app.waitForLog(/test hook: hanging at incidents/, 60_000);
    expect(Object.keys(stored()?.incidents ?? {})).toHaveLength(0);
    await h.app.stop('SIGKILL');

    // The journal replays the install on the next start: the incident is recorded, once.
    let app = await restart();
    const open = await until(
      'the incident recorded after the restart',
      () => {
        const all = Object.values(stored()?.incidents ?? {});
        return all.length > 0 ? all : undefined;
      },
      90_000,
    );
    expect(open).toHaveLength(1);
    expect(open[0]!.status).toBe('open');
    expect(open[0]!.transitions.map((t) => t.to)).toEqual(['open']);
    const leakyRuns = () =>
      h.gh.checkRuns.filter((c) => c.head_sha === leaky && c.status === 'completed');
    expect(leakyRuns()).toHaveLength(1);

    // 2. The rewrite: main reset to before the leak and force-pushed. The process is killed as soon
    // as the push is accepted; the next one finishes it from the journal.
    r.git('reset', '-q', '--hard', clean);
    r.write('README.md', '# ledger (rewritten)\n');
    const rewritten = r.commit('docs');
    await h.push(r, ref, '+main');
    state.branches.set('main', rewritten);
    const accepted = await deliver(
      app.webhookUrl,
      'push',
      pushEvent(ref, { ref: 'refs/heads/main', before: leaky, after: rewritten, forced: true }),
      { secret: app.webhookSecret },
    );
    expect(accepted.status).toBeLessThan(300);
    await app.stop('SIGKILL');
    app = await restart();
    const removed = await until(
      'the removal recorded after the restart',
      () => {
        const i = Object.values(stored()?.incidents ?? {})[0];
        return i?.repositories.length && i.repositories.every((x) => x.reachable === false)
          ? i
          : undefined;
      },
      90_000,
    );
    expect(Object.keys(stored()!.incidents)).toHaveLength(1);
    expect(removed.repositories.map((x) => x.fullName)).toEqual(['acme/ledger']);
    // Removed from history but never shown revoked: it stays open (a rewrite is not a rotation),
    // and no transition was recorded twice.
    expect(removed.status).toBe('open');
    expect(removed.transitions.map((t) => t.to)).toEqual(['open']);
    await until('the rewritten head reported', () =>
      h.gh.checkRuns.some((c) => c.head_sha === rewritten && c.status === 'completed')
        ? true
        : undefined,
    );
    expect(h.gh.checkRuns.filter((c) => c.head_sha === rewritten)).toHaveLength(1);
    expect(leakyRuns()).toHaveLength(1);
    // Comments: never one twice (the install scan of a default branch comments on the commit).
    const bodies = h.gh.commitComments.map((c) => `${String(c.target)}:${c.body}`);
    expect(new Set(bodies).size).toBe(bodies.length);
    // No raw secret on disk in the incident store.
    expect(
      readFileSync(join(dataDir, 'incidents', `installation-${INSTALLATION}.json`), 'utf8'),
    ).not.toContain(leak.token);
  }, 240_000);
});
