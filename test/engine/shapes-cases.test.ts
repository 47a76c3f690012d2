/**
 * The shapes of test/helpers/shapes.ts committed to a real repository and scanned in tree, range
 * and history mode: each file gives the same findings (endpoint, exposure, severity, confidence,
 * lines) whichever way it is read, and no output holds a raw secret.
 */
import { DEFAULT_CONFIG, type Finding, type ScanResult } from '../../src/core/index.js';
import { scanHistory } from '../../src/engine/scan-history.js';
import { scanRange } from '../../src/engine/scan-range.js';
import { scanTree } from '../../src/engine/scan-tree.js';
import { renderJson, renderSarif, renderText } from '../../src/report/index.js';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { buildShapes, checkShape } from '../helpers/shapes.js';
import { redisHost, redisTokenParts, redisUrl } from '../helpers/synthetic.js';

const opts = { config: DEFAULT_CONFIG };
const shapes = buildShapes('engine');
/** The LF run's findings per mode, compared with the CRLF run's. */
const lfFindings = new Map<string, Finding[]>();

describe.each(['LF', 'CRLF'] as const)('shapes in the wild, through git (%s)', (endings) => {
  let repo: TestRepo;
  const results = new Map<string, ScanResult>();
  const eol = (text: string): string =>
    endings === 'CRLF' ? text.replace(/\r?\n/g, '\r\n') : text;
  beforeAll(async () => {
    repo = createRepo();
    repo.write('README.md', 'hello\n');
    const base = repo.commit('base');
    for (const s of shapes) repo.write(s.path, eol(s.text));
    const tip = repo.commit('add every shape');
    results.set('tree', await scanTree(repo.dir, opts));
    results.set('range', await scanRange(repo.dir, { include: [tip], exclude: [base] }, opts));
    results.set('history', await scanHistory(repo.dir, opts));
  }, 60_000);
  afterAll(() => repo.cleanup());

  const byPath = (r: ScanResult, path: string): Finding[] =>
    r.findings.filter((f) => f.occurrences.some((o) => o.path === path));

  it.each(
    shapes.flatMap((s) =>
      (['tree', 'range', 'history'] as const).map((m) => [m, s.name, s] as const),
    ),
  )('%s: %s', (mode, _name, shape) => {
    const r = results.get(mode)!;
    const outputs = [JSON.stringify(r), renderJson(r), renderSarif(r), renderText(r)].join('\n');
    checkShape(shape, byPath(r, shape.path), outputs);
  });

  it('one finding per credential overall, the same in every mode', () => {
    const expected = shapes.reduce((n, s) => n + s.expect.findings, 0);
    for (const r of results.values()) expect(r.findings).toHaveLength(expected);
    // Same lines and masked values whatever the endings: no `\r` is read into a value.
    const view = (r: ScanResult) =>
      r.findings
        .map((f) => `${f.masked} ${f.occurrences.map((o) => `${o.path}:${o.line}`).join(',')}`)
        .sort();
    for (const [mode, r] of results) {
      if (endings === 'LF') lfFindings.set(mode, r.findings);
      else if (lfFindings.has(mode))
        expect(view(r)).toEqual(view({ ...r, findings: lfFindings.get(mode)! }));
    }
  });
});

describe('one credential, every form and place: one finding', () => {
  let repo: TestRepo;
  afterEach(() => repo.cleanup());

  it('a token in nine shapes across files and commits is one finding with its endpoint, browser-exposed', async () => {
    const t = redisTokenParts({ seed: 'everywhere' });
    const host = redisHost(t.dbId, { seed: 'everywhere-host' });
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    const files: Record<string, string> = {
      '.env': `UPSTASH_REDIS_REST_TOKEN=${t.token}\n`,
      'app/cache.py': `r = redis.Redis(host='${host}', port=6379, password='${t.token}', ssl=True)\n`,
      'nb.ipynb': JSON.stringify({ cells: [{ source: [`token = "${t.token}"\n`] }] }),
      'k8s.yaml': `kind: Secret\ndata:\n  UPSTASH_REDIS_REST_TOKEN: ${b64(t.token)}\n`,
      'compose.yml': `environment:\n  - T=\${UPSTASH_TOKEN:-${t.token}}\n`,
      'docs/setup.md': `## Example\n\nUPSTASH_REDIS_REST_TOKEN=${t.token}\n`,
      'urls.txt': `REDIS_URL=${redisUrl({ password: encodeURIComponent(t.token), host })}\n`,
    };
    repo = createRepo();
    repo.write('README.md', 'x\n');
    const base = repo.commit('base');
    for (const [p, text] of Object.entries(files)) repo.write(p, text);
    repo.commit('server side');
    repo.write('public/index.html', `<script>const t = "${t.token}";</script>\n`);
    repo.write('dist/app-4f3a9c2e.js', `var t="${t.token}";\n`);
    const tip = repo.commit('client side');
    const results = [
      await scanTree(repo.dir, opts),
      await scanRange(repo.dir, { include: [tip], exclude: [base] }, opts),
      await scanHistory(repo.dir, opts),
    ];
    for (const r of results) {
      expect(r.findings).toHaveLength(1);
      const f = r.findings[0]!;
      expect(f).toMatchObject({
        type: 'upstash-redis-token',
        endpoint: `https://${host}`,
        exposure: { kind: 'browser' },
        severity: 'critical',
        confidence: 'high',
      });
      expect(new Set(f.occurrences.map((o) => o.path)).size).toBe(9);
      const out = [JSON.stringify(r), renderJson(r), renderSarif(r), renderText(r)].join('\n');
      expect(out).not.toContain(t.token);
      expect(out).not.toContain(b64(t.token));
    }
  });
});
