import { collectFindings, DEFAULT_CONFIG, scanText, type Hit } from '../../../src/core/index.js';
import { redisEndpoint, redisTokenParts } from '../../helpers/synthetic.js';

function collect(fragments: { path: string; text: string; commit?: string; date?: string }[]) {
  const hits: Hit[] = fragments.flatMap((f) => scanText(f));
  return collectFindings(hits, { config: DEFAULT_CONFIG });
}

describe('collectFindings', () => {
  it('an inline allow on some occurrences only does not suppress the credential', () => {
    const t = redisTokenParts().token;
    const r = collect([
      { path: 'demo.ts', text: `const t = "${t}"; // upstash-guard:allow demo` },
      { path: 'src/prod.ts', text: `const t = "${t}";` },
    ]);
    expect(r.suppressed).toEqual([]);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]!.occurrences.map((o) => o.path)).toEqual(['demo.ts', 'src/prod.ts']);
  });

  it('an endpoint alone is no finding; a token without an endpoint gets none invented', () => {
    const t = redisTokenParts();
    expect(
      collect([{ path: '.env', text: `UPSTASH_REDIS_REST_URL=${redisEndpoint(t.dbId)}` }]).findings,
    ).toEqual([]);
    const lone = collect([
      { path: '.env', text: `UPSTASH_REDIS_REST_URL=${redisEndpoint(t.dbId + 7)}` },
      { path: 'b.env', text: `UPSTASH_REDIS_REST_TOKEN=${t.token}` },
    ]).findings;
    expect(lone).toHaveLength(1);
    expect(lone[0]!.endpoint).toBeUndefined();
  });

  it('pairing prefers the endpoint in the same file over one elsewhere', () => {
    const t = redisTokenParts();
    const a = redisEndpoint(t.dbId, { vercel: true });
    const b = redisEndpoint(t.dbId);
    const r = collect([
      { path: 'a/.env', text: `UPSTASH_REDIS_REST_URL=${a}` },
      { path: 'b/.env', text: `UPSTASH_REDIS_REST_URL=${b}\nUPSTASH_REDIS_REST_TOKEN=${t.token}` },
    ]);
    expect(a).not.toBe(b);
    expect(r.findings[0]!.endpoint).toBe(b);
  });

  it('identical occurrences are deduplicated; each commit keeps its own occurrence', () => {
    const t = redisTokenParts().token;
    const text = `UPSTASH_REDIS_REST_TOKEN=${t}`;
    const r = collect([
      { path: '.env', text, commit: 'c1', date: '2026-01-01' },
      { path: '.env', text, commit: 'c1', date: '2026-01-01' },
      { path: '.env', text, commit: 'c2', date: '2026-01-02' },
    ]);
    expect(r.findings[0]!.occurrences).toEqual([
      { path: '.env', line: 1, column: 26, commit: 'c1', date: '2026-01-01' },
      { path: '.env', line: 1, column: 26, commit: 'c2', date: '2026-01-02' },
    ]);
  });

  it('sorts most severe first, then by path and line', () => {
    const [x, y, z] = [redisTokenParts(), redisTokenParts(), redisTokenParts({ readOnly: true })];
    const r = collect([
      { path: 'b.env', text: `T=${y.token}` },
      { path: 'a.env', text: `R=${z.token}\nT=${x.token}` },
      { path: 'c.env', text: `VITE_T=${redisTokenParts().token}` },
    ]);
    expect(
      r.findings.map((f) => `${f.severity} ${f.occurrences[0]!.path}:${f.occurrences[0]!.line}`),
    ).toEqual(['critical c.env:1', 'high a.env:2', 'high b.env:1', 'medium a.env:1']);
  });
});
