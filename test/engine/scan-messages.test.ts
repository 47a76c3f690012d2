/**
 * Commit and annotated-tag messages: a token pasted into `git commit -m` is pushed with the commit
 * and stays in history. Range and history scans read the message of every commit they cover (and
 * history every annotated tag's), report it with `source` and the line within the message, and
 * never print it: every output format is checked.
 */
import { DEFAULT_CONFIG, type ScanResult } from '../../src/core/index.js';
import { scanHistory } from '../../src/engine/scan-history.js';
import { scanRange } from '../../src/engine/scan-range.js';
import {
  renderCheckRun,
  renderCommitComment,
  renderJson,
  renderPrComment,
  renderSarif,
  renderText,
} from '../../src/report/index.js';
import { historyRewriteRecipe } from '../../src/report/guidance/history-rewrite.js';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { redisTokenParts } from '../helpers/synthetic.js';

const opts = { config: DEFAULT_CONFIG };

function outputs(result: ScanResult): string[] {
  const ctx = { config: DEFAULT_CONFIG, repoUrl: 'https://github.com/acme/shop' };
  return [
    JSON.stringify(result),
    renderText(result, { color: false, guidance: true, verbose: true }),
    renderJson(result),
    renderSarif(result),
    JSON.stringify(renderCheckRun(result, ctx)),
    JSON.stringify(renderCheckRun(result, { ...ctx, mode: 'history' })),
    renderPrComment(result, ctx) ?? '',
    ...result.findings.flatMap((f) => f.occurrences.map((o) => renderCommitComment(f, o, ctx))),
    historyRewriteRecipe(result.findings),
  ];
}

describe('commit and tag messages', () => {
  let repo: TestRepo;
  let token: string;
  let base: string;
  beforeEach(() => {
    repo = createRepo();
    token = redisTokenParts().token;
    repo.write('README.md', 'hello\n');
    base = repo.commit('initial');
  });
  afterEach(() => repo.cleanup());

  it('--range finds a token only in a commit message, at that commit', async () => {
    repo.write('a.txt', 'nothing here\n');
    const leak = repo.commit(`switch prod\n\nuse ${token} for prod`);
    repo.write('b.txt', 'still nothing\n');
    repo.commit('later');
    const result = await scanRange(repo.dir, { include: [repo.head()], exclude: [base] }, opts);
    expect(result.findings).toHaveLength(1);
    const [o, ...rest] = result.findings[0]!.occurrences;
    expect(rest).toEqual([]);
    expect(o).toMatchObject({
      source: 'commit-message',
      path: '',
      line: 3,
      commit: leak,
      author: 'Test Author',
    });
    expect(o!.date).toMatch(/^\d{4}-/);
    for (const out of outputs(result)) expect(out).not.toContain(token);
  });

  it('a range that does not cover the commit does not report its message', async () => {
    repo.write('a.txt', 'x\n');
    const leak = repo.commit(`use ${token}`);
    repo.write('b.txt', 'y\n');
    repo.commit('later');
    const result = await scanRange(repo.dir, { include: [repo.head()], exclude: [leak] }, opts);
    expect(result.findings).toEqual([]);
  });

  it('--history finds it with the commit, its refs and the introduction', async () => {
    repo.write('a.txt', 'x\n');
    const leak = repo.commit(`use ${token} for prod`);
    const result = await scanHistory(repo.dir, opts);
    expect(result.findings).toHaveLength(1);
    const f = result.findings[0]!;
    expect(f.occurrences).toEqual([
      expect.objectContaining({ source: 'commit-message', path: '', line: 1, commit: leak }),
    ]);
    expect(f.introducedBy).toMatchObject({ commit: leak, path: '', source: 'commit-message' });
    expect(f.branches).toEqual(['main']);
    expect(f.presentAtHead).toBe(false);
    expect(f.commitCount).toBe(1);
    for (const out of outputs(result)) expect(out).not.toContain(token);
  });

  it('--history reports an annotated tag message as a tag message, not a file', async () => {
    repo.git('tag', '-a', 'v1.0', '-m', `release\n\ncredentials: ${token}`);
    const result = await scanHistory(repo.dir, opts);
    expect(result.findings).toHaveLength(1);
    const f = result.findings[0]!;
    expect(f.occurrences).toEqual([
      expect.objectContaining({
        source: 'tag-message',
        tag: 'v1.0',
        path: '',
        line: 3,
        commit: base,
        author: 'Test Committer',
      }),
    ]);
    expect(f.introducedBy).toMatchObject({ source: 'tag-message', tag: 'v1.0', commit: base });
    expect(f.tags).toEqual(['v1.0']);
    // The tag object is not read as a blob too.
    expect(result.stats.blobsScanned).toBe(1);
    for (const out of outputs(result)) expect(out).not.toContain(token);
  });

  it('one credential in a file and in a later message: one finding, both places', async () => {
    repo.write('.env', `UPSTASH_REDIS_REST_TOKEN=${token}\n`);
    const file = repo.commit('add env');
    repo.remove('.env');
    const msg = repo.commit(`remove ${token}`);
    const result = await scanHistory(repo.dir, opts);
    expect(result.findings).toHaveLength(1);
    const f = result.findings[0]!;
    expect(f.occurrences.map((o) => [o.source ?? 'file', o.commit])).toEqual(
      expect.arrayContaining([
        ['file', file],
        ['commit-message', msg],
      ]),
    );
    expect(f.introducedBy).toMatchObject({ commit: file, path: '.env' });
    expect(f.introducedBy?.source).toBeUndefined();
    const range = await scanRange(repo.dir, { include: [msg], exclude: [base] }, opts);
    expect(range.findings[0]!.occurrences).toHaveLength(2);
    for (const out of [...outputs(result), ...outputs(range)]) expect(out).not.toContain(token);
  });

  it('messages without a token add no finding and no warning', async () => {
    for (let i = 0; i < 5; i++) {
      repo.write(`f${i}.txt`, `${i}\n`);
      repo.commit(`commit ${i}: upstash redis config and UPSTASH_REDIS_REST_TOKEN docs`);
    }
    repo.git('tag', '-a', 'v2', '-m', 'plain release notes');
    const history = await scanHistory(repo.dir, opts);
    expect(history.findings).toEqual([]);
    expect(history.warnings).toEqual([]);
    const range = await scanRange(repo.dir, { include: [repo.head()], exclude: [base] }, opts);
    expect(range.findings).toEqual([]);
    expect(range.stats.commitsScanned).toBe(5);
  });
});
