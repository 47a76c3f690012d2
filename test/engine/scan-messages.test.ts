/**
 * Commit and annotated-tag messages: a token pasted into `git commit -m` is pushed with the commit
 * and stays in history. Range and history scans read the message of every commit they cover (and
 * history every annotated tag's), report it with `source` and the line within the message, and
 * never print it: every output format is checked.
 */
import { DEFAULT_CONFIG } from '../../src/core/index.js';
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
import { renderedOutputs, sarifValidator } from '../helpers/report-outputs.js';
import { redisTokenParts } from '../helpers/synthetic.js';

const opts = { config: DEFAULT_CONFIG };

const validateSarif = sarifValidator();
const outputs = renderedOutputs;

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
      expect.objectContaining({
        source: 'commit-message',
        path: '',
        line: 1,
        commit: leak,
        author: 'Test Author',
        date: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
      }),
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

  it("a range that includes an annotated tag (a pushed tag) reports its message, and its tags' too", async () => {
    repo.write('a.txt', 'a\n');
    const tip = repo.commit('release build');
    repo.git('tag', '-a', 'v1.1', '-m', `release\n\ncredentials: ${token}`);
    const tagObject = repo.git('rev-parse', 'v1.1');
    // What the App scans for a pushed annotated tag: the tagged commit and the tag object.
    const pushed = await scanRange(repo.dir, { include: [tip, tagObject], exclude: [base] }, opts);
    expect(pushed.findings).toHaveLength(1);
    expect(pushed.findings[0]!.occurrences).toEqual([
      expect.objectContaining({
        source: 'tag-message',
        tag: 'v1.1',
        path: '',
        line: 3,
        commit: tip,
        author: 'Test Committer',
      }),
    ]);
    expect(pushed.findings[0]!.occurrences[0]!.date).toMatch(/^\d{4}-\d\d-\d\dT/);
    // A tag pushed on a commit that is already on a branch: no commit to scan, the message still.
    const onlyTag = await scanRange(repo.dir, { include: [tagObject], exclude: [tip] }, opts);
    expect(onlyTag.stats.commitsScanned).toBe(0);
    expect(onlyTag.findings).toHaveLength(1);
    // A tag of that tag: both messages are read (the outer one is clean).
    repo.git('tag', '-a', 'outer', '-m', 'points at v1.1', 'v1.1');
    const nested = await scanRange(repo.dir, { include: ['outer'], exclude: [tip] }, opts);
    expect(nested.findings.map((f) => f.occurrences.map((o) => o.tag))).toEqual([['v1.1']]);
    // A lightweight tag, or the commit alone: no tag message.
    repo.git('tag', 'light', tip);
    for (const rev of ['light', tip]) {
      const r = await scanRange(repo.dir, { include: [rev], exclude: [base] }, opts);
      expect(r.findings).toEqual([]);
    }
    for (const out of [...outputs(pushed), ...outputs(onlyTag), ...outputs(nested)])
      expect(out).not.toContain(token);
  });

  it('a tag named after a token: its name is masked wherever the finding goes', async () => {
    const named = redisTokenParts().token;
    repo.git('tag', '-a', `leak-${named}`, '-m', `notes ${token}`);
    const result = await scanRange(
      repo.dir,
      { include: [repo.git('rev-parse', `leak-${named}`)], exclude: [base] },
      opts,
    );
    expect(result.findings).toHaveLength(1);
    for (const out of outputs(result)) {
      expect(out).not.toContain(named);
      expect(out).not.toContain(token);
    }
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

  it('every renderer shows a message place as such, with no file position', async () => {
    repo.write('.env', `UPSTASH_REDIS_REST_TOKEN=${token}\n`);
    repo.commit('add env');
    repo.git('commit', '-q', '--allow-empty', '-m', `again ${token}`);
    const leak = repo.head();
    const result = await scanRange(repo.dir, { include: [leak], exclude: [base] }, opts);
    const f = result.findings[0]!;
    const msg = f.occurrences.find((o) => o.source)!;
    expect(msg).toMatchObject({ source: 'commit-message', commit: leak, line: 1 });
    const ctx = { config: DEFAULT_CONFIG, repoUrl: 'https://github.com/acme/shop' };

    const text = renderText(result, { color: false, verbose: true });
    expect(text).toContain(`commit message, line 1 (commit ${leak.slice(0, 7)})`);

    const json = JSON.parse(renderJson(result)) as {
      findings: { occurrences: { source: string; path: string; commit: string }[] }[];
    };
    expect(json.findings[0]!.occurrences.map((o) => [o.source, o.path])).toEqual(
      expect.arrayContaining([
        ['file', '.env'],
        ['commit-message', ''],
      ]),
    );

    // SARIF: the file place is a result; the message place a notification, never a fake file.
    const sarif = JSON.parse(renderSarif(result)) as {
      runs: {
        results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[];
        invocations: { toolExecutionNotifications: { message: { text: string } }[] }[];
      }[];
    };
    expect(validateSarif(sarif)).toBe(true);
    const run = sarif.runs[0]!;
    expect(run.results.map((r) => r.locations[0]!.physicalLocation.artifactLocation.uri)).toEqual([
      '.env',
    ]);
    expect(run.invocations[0]!.toolExecutionNotifications).toEqual([
      expect.objectContaining({
        message: {
          text: expect.stringContaining(`commit message, line 1 of commit ${leak.slice(0, 7)}`),
        },
        properties: expect.objectContaining({ source: 'commit-message', commit: leak }),
      }),
    ]);

    // Check run: an annotation for the file only; the message in the summary.
    const check = renderCheckRun(result, ctx);
    expect(check.annotations.map((a) => a.path)).toEqual(['.env']);
    expect(check.summary).toContain('#### In commit and tag messages');
    expect(check.summary).toContain(`commit message, line 1`);
    expect(check.summary).toContain(`/commit/${leak}`);
    expect(renderPrComment(result, ctx)).toContain('#### In commit and tag messages');

    // The commit comment sits on the commit itself and names the message.
    const comment = renderCommitComment(f, msg, ctx);
    expect(comment).toContain('in `commit message, line 1`');
    expect(comment).not.toContain(':1`');

    // The recipe rewrites messages too, and shows where to look without the value.
    const recipe = historyRewriteRecipe(result.findings);
    expect(recipe).toContain('--replace-message ../replacements.txt');
    for (const out of outputs(result)) expect(out).not.toContain(token);
  });

  it('the history recipe reads a tag message from the tag', async () => {
    repo.git('tag', '-a', 'v3', '-m', `notes\n${token}`);
    const result = await scanHistory(repo.dir, opts);
    const recipe = historyRewriteRecipe(result.findings);
    expect(recipe).toContain(`git for-each-ref --format='%(contents)' refs/tags/v3 | sed -n '2p'`);
    expect(recipe).toContain('--replace-message');
    expect(renderText(result, { color: false })).toContain('introduced');
    expect(renderText(result, { color: false })).toContain('in message of tag v3');
  });
});
