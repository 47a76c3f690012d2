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

const opts = { config: DEFAULT_CONFIG };
const shapes = buildShapes('engine');

describe('shapes in the wild, through git', () => {
  let repo: TestRepo;
  const results = new Map<string, ScanResult>();
  beforeAll(async () => {
    repo = createRepo();
    repo.write('README.md', 'hello\n');
    const base = repo.commit('base');
    for (const s of shapes) repo.write(s.path, s.text);
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
  });
});
