/**
 * The incidents page as a person uses it, in a real headless Chromium against the App as a
 * process: sign in through GitHub (OAuth double in front of the GitHub double), list, filter, open
 * an incident, re-verify against the loopback Upstash double, mark another allowed, and follow the
 * whole lifecycle: a leak found at install, the token revoked (incident rotated), a force-push
 * rewrite (incident removed). A second user without access sees nothing. No raw secret on any page.
 *
 * Needs Debian's chromium (/usr/bin/chromium, or CHROMIUM_PATH); without it the suite is skipped
 * with a message (.ci/run installs it).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { redisEndpoint, redisTokenParts } from '../helpers/synthetic.js';
import { oauthDouble } from '../helpers/github-oauth-double.js';
import { UpstashDouble } from '../helpers/upstash-double.js';
import { installationCreatedEvent, pushEvent, type RepoRef } from '../helpers/webhooks.js';
import { ROOT } from '../helpers/app-process.js';
import { startHarness, until, type Harness } from './harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`incidents browser test skipped: no Chromium at ${CHROMIUM}`);
const describeBrowser = haveChromium ? describe : describe.skip;

const INSTALLATION = 4242;
// Screenshots go to docs/ only when asked (UPDATE_SCREENSHOTS=1), so a test run leaves the tree clean.
const SHOTS =
  process.env.UPDATE_SCREENSHOTS === '1'
    ? join(ROOT, 'docs', 'incidents')
    : mkdtempSync(join(tmpdir(), 'ug-shots-'));

describeBrowser('incidents page in a real browser (app process)', () => {
  let h: Harness;
  let upstash: UpstashDouble;
  let browser: Browser;
  let dataDir: string;
  let ref: RepoRef;
  const pages: string[] = [];
  const leak = redisTokenParts({ seed: 'incidents-e2e-leak' });
  const leakHost = new URL(redisEndpoint(leak.dbId, { seed: 'incidents-e2e-leak' })).hostname;
  const fixture = redisTokenParts({ seed: 'incidents-e2e-fixture' });
  const fixtureHost = new URL(redisEndpoint(fixture.dbId, { seed: 'incidents-e2e-fixture' }))
    .hostname;
  const oauth = oauthDouble([
    {
      login: 'alice',
      id: 1,
      installations: [
        { id: INSTALLATION, account: 'acme', repos: [{ id: 801, fullName: 'acme/shop' }] },
      ],
    },
    { login: 'bob', id: 2, installations: [] },
  ]);

  beforeAll(async () => {
    upstash = await new UpstashDouble().start();
    upstash.accept(leakHost, `Bearer ${leak.token}`).accept(fixtureHost, `Bearer ${fixture.token}`);
    dataDir = mkdtempSync(join(tmpdir(), 'ug-e2e-data-'));
    h = await startHarness({
      githubFront: oauth.handle,
      env: {
        GITHUB_CLIENT_ID: oauth.clientId,
        GITHUB_CLIENT_SECRET: oauth.clientSecret,
        UPSTASH_GUARD_DATA_DIR: dataDir,
        UPSTASH_GUARD_VERIFY: 'on',
        UPSTASH_GUARD_VERIFY_TEST_ORIGIN: upstash.policyOrigin(),
      },
    });
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
    await upstash?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const appUrl = (path: string) => `http://localhost:${h.app.port}${path}`;
  const stored = () => {
    const file = join(dataDir, 'incidents', `installation-${INSTALLATION}.json`);
    if (!existsSync(file)) return undefined;
    return JSON.parse(readFileSync(file, 'utf8')) as {
      incidents: Record<string, { status: string; fingerprint: string; masked: string }>;
    };
  };
  const incidentByHost = (host: string) =>
    Object.values(stored()?.incidents ?? {}).find((i) => JSON.stringify(i).includes(host));

  async function text(page: Page): Promise<string> {
    const html = await page.content();
    pages.push(html);
    return (await page.evaluate('document.body.innerText')) as string;
  }

  async function signIn(login: string): Promise<Page> {
    const ctx = await browser.createBrowserContext();
    const page = await ctx.newPage();
    oauth.nextLogin = login;
    await page.goto(appUrl('/incidents'));
    expect(await text(page)).toContain('Sign in with GitHub');
    await Promise.all([page.waitForNavigation(), page.click('a.button')]);
    return page;
  }

  it('leak at install -> list, filter, incident page -> re-verify revoked (rotated) -> force-push rewrite (removed)', async () => {
    ref = h.addRepo('shop', 801);
    const r = h.repo();
    r.write('README.md', '# shop\n');
    const clean = r.commit('initial');
    r.write(
      '.env',
      `UPSTASH_REDIS_REST_URL=https://${leakHost}\nUPSTASH_REDIS_REST_TOKEN=${leak.token}\n`,
    );
    r.write(
      'test/fixture.env',
      `UPSTASH_REDIS_REST_URL=https://${fixtureHost}\nUPSTASH_REDIS_REST_TOKEN=${fixture.token}\n`,
    );
    const leaky = r.commit('configure redis');
    await h.push(r, ref, 'main');
    h.gh
      .addRepo({ owner: 'acme', name: 'shop', id: 801, cloneUrl: ref.cloneUrl })
      .branches.set('main', leaky);
    const res = await h.send(
      'installation',
      installationCreatedEvent({ ...ref, installationId: INSTALLATION }),
    );
    expect(res.status).toBeLessThan(300);
    await until(
      'two incidents',
      () => (Object.keys(stored()?.incidents ?? {}).length === 2 ? true : undefined),
      60_000,
    ).catch((e: unknown) => {
      writeFileSync('/tmp/inc-app.log', h.app.logs());
      throw e;
    });

    const alice = await signIn('alice');
    let body = await text(alice);
    expect(body).toContain('Signed in as alice');
    expect(body).toContain('acme/shop');
    expect(body).toMatch(/2\s+incidents/);
    expect(body).toMatch(/2\s+live/);
    await alice.screenshot({ path: join(SHOTS, 'list.png'), fullPage: true });

    // Filter by verification state with the form (no JavaScript needed: a GET form).
    await alice.select('select[name="verdict"]', 'revoked');
    await Promise.all([alice.waitForNavigation(), alice.click('form.filters button')]);
    expect(await text(alice)).toContain('No incidents match.');
    await alice.select('select[name="verdict"]', 'live');
    await Promise.all([alice.waitForNavigation(), alice.click('form.filters button')]);
    expect(await text(alice)).toContain('acme/shop');

    // Open the production leak.
    const main = incidentByHost(leakHost)!;
    await alice.goto(
      appUrl(`/incidents/i/${INSTALLATION}/${encodeURIComponent(main.fingerprint)}`),
    );
    body = await text(alice);
    expect(body).toContain(main.masked);
    expect(body).toContain('.env:2');
    expect(body).toContain('Rotate');
    expect(body).toContain('GitHub Support');

    // The token is reset in the Upstash console; "Re-verify now" sees it revoked.
    upstash.behave(leakHost, 'unauthorized');
    await Promise.all([alice.waitForNavigation(), alice.click('form[action$="/reverify"] button')]);
    body = await text(alice);
    expect(body).toMatch(/Status\s+rotated/);
    expect(body).toMatch(/revoked/);
    expect(incidentByHost(leakHost)!.status).toBe('rotated');

    // The test fixture is marked allowed, with a reason.
    const fix = incidentByHost(fixtureHost)!;
    await alice.goto(appUrl(`/incidents/i/${INSTALLATION}/${encodeURIComponent(fix.fingerprint)}`));
    await alice.type('#reason', 'throwaway test database, no data');
    await Promise.all([alice.waitForNavigation(), alice.click('form[action$="/allow"] button')]);
    body = await text(alice);
    expect(body).toMatch(/Status\s+allowed by alice/);
    expect(body).toContain('throwaway test database, no data');

    // The history rewrite: main reset to before the leak and force-pushed.
    r.git('reset', '-q', '--hard', clean);
    r.write('README.md', '# shop (rewritten)\n');
    const rewritten = r.commit('docs');
    await h.push(r, ref, '+main');
    await h.send(
      'push',
      pushEvent(ref, { ref: 'refs/heads/main', before: leaky, after: rewritten, forced: true }),
    );
    await until(
      'removed',
      () => (incidentByHost(leakHost)?.status === 'removed' ? true : undefined),
      60_000,
    );
    await alice.goto(
      appUrl(`/incidents/i/${INSTALLATION}/${encodeURIComponent(main.fingerprint)}`),
    );
    body = await text(alice);
    expect(body).toMatch(/Status\s+removed/);
    expect(body).toMatch(/acme\/shop\s+no/);
    await alice.screenshot({ path: join(SHOTS, 'incident.png'), fullPage: true });
    await alice.goto(appUrl('/incidents?sort=status'));
    expect(await text(alice)).toMatch(/time to rotate: median/);
  }, 180_000);

  it('a user without access sees nothing, and the incident URL is a 404', async () => {
    const main = incidentByHost(leakHost)!;
    const bob = await signIn('bob');
    const body = await text(bob);
    expect(body).toContain('Signed in as bob');
    expect(body).toContain('No incidents match.');
    const res = await bob.goto(
      appUrl(`/incidents/i/${INSTALLATION}/${encodeURIComponent(main.fingerprint)}`),
    );
    expect(res!.status()).toBe(404);
    await text(bob);
  }, 60_000);

  it('no page the browser was served holds a raw secret', () => {
    expect(pages.length).toBeGreaterThan(5);
    const all = pages.join('\n');
    for (const secret of [leak.token, fixture.token]) {
      expect(all).not.toContain(secret);
      expect(all).not.toContain(secret.slice(10, 30));
    }
    expect(h.app.logs()).not.toContain(leak.token);
  });
});
