/**
 * `--verify` end to end in-process: the scanner's finding is probed against a loopback Upstash
 * double (reached only through the documented test origin switch), the verdict shows in JSON, and
 * a token paired with a planted non-Upstash URL is never sent anywhere.
 */
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { redisEndpoint, redisTokenParts } from '../helpers/synthetic.js';
import { UpstashDouble } from '../helpers/upstash-double.js';
import { cli } from './cli-harness.js';

describe('upstash-guard scan --verify', () => {
  let repo: TestRepo;
  let double: UpstashDouble;
  beforeAll(async () => {
    double = await new UpstashDouble().start();
  });
  afterAll(async () => {
    await double.stop();
    repo?.cleanup();
  });

  it('reports live for a token the endpoint accepts, with no secret in the output', async () => {
    const live = redisTokenParts();
    const revoked = redisTokenParts();
    const liveUrl = redisEndpoint(live.dbId);
    const revokedUrl = redisEndpoint(revoked.dbId);
    double.accept(new URL(liveUrl).hostname, `Bearer ${live.token}`);
    repo = createRepo();
    repo.write(
      'a.env',
      `UPSTASH_REDIS_REST_URL=${liveUrl}\nUPSTASH_REDIS_REST_TOKEN=${live.token}\n`,
    );
    repo.write(
      'b.env',
      `UPSTASH_REDIS_REST_URL=${revokedUrl}\nUPSTASH_REDIS_REST_TOKEN=${revoked.token}\n`,
    );
    repo.write(
      'c.env',
      `UPSTASH_REDIS_REST_URL=https://evil.example/${redisTokenParts().dbId}\nUPSTASH_REDIS_REST_TOKEN=${redisTokenParts().token}\n`,
    );
    repo.commit('leak');
    const run = await cli(['scan', '--verify', '--format', 'json'], {
      cwd: repo.dir,
      env: { UPSTASH_GUARD_VERIFY_TEST_ORIGIN: double.policyOrigin() },
    });
    expect(run.code).toBe(1);
    const doc = JSON.parse(run.stdout) as {
      findings: {
        occurrences: { path: string }[];
        verification?: { status: string };
        severity: string;
      }[];
    };
    const byPath = Object.fromEntries(doc.findings.map((f) => [f.occurrences[0]!.path, f]));
    expect(byPath['a.env']!.verification?.status).toBe('live');
    expect(byPath['a.env']!.severity).toBe('critical');
    expect(byPath['b.env']!.verification?.status).toBe('revoked');
    expect(byPath['c.env']!.verification?.status).toBe('unverifiable');
    // Only the two allowlisted Upstash hosts were contacted, once each, with GET /ping.
    expect(double.requests.map((r) => r.host).sort()).toEqual(
      [new URL(liveUrl).hostname, new URL(revokedUrl).hostname].sort(),
    );
    expect(double.requests).toHaveLength(2);
    expect(run.stdout).not.toContain(live.token);
    expect(run.stderr).not.toContain(live.token);
  });

  it('--only-verified keeps only the live credential (and implies --verify)', async () => {
    const run = await cli(['scan', '--only-verified', '--format', 'json'], {
      cwd: repo.dir,
      env: { UPSTASH_GUARD_VERIFY_TEST_ORIGIN: double.policyOrigin() },
    });
    expect(run.code).toBe(1);
    const doc = JSON.parse(run.stdout) as {
      findings: { occurrences: { path: string }[]; verification?: { status: string } }[];
    };
    expect(doc.findings.map((f) => [f.occurrences[0]!.path, f.verification?.status])).toEqual([
      ['a.env', 'live'],
    ]);
    expect(run.stderr).toMatch(/2 not shown: not confirmed live \(--only-verified\)/);
  });
});
