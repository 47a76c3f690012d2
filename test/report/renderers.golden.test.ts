import { DEFAULT_CONFIG } from '../../src/core/config/types.js';
import {
  renderCheckRun,
  renderCommitComment,
  renderGuidance,
  renderJson,
  renderPrComment,
  renderSarif,
  renderText,
} from '../../src/report/index.js';
import { emptyResult, historyResult, rangeResult } from './fixtures.js';
import { expectGolden } from './golden.js';

const repoUrl = 'https://github.com/acme/shop';
const ctx = { config: DEFAULT_CONFIG, repoUrl };

describe('renderers match their golden files', () => {
  const { result } = rangeResult();
  const { result: history } = historyResult();

  test('text', () => {
    expectGolden('text.txt', renderText(result));
    expectGolden('text-color.txt', renderText(result, { color: true }));
    expectGolden(
      'text-verbose-guidance.txt',
      renderText(result, { verbose: true, guidance: true, repoUrl }),
    );
    expectGolden('text-history.txt', renderText(history));
    expectGolden('text-empty.txt', renderText(emptyResult()));
  });

  test('json and sarif', () => {
    expectGolden('report.json', renderJson(result, { toolVersion: '9.9.9' }));
    expectGolden('report.sarif', renderSarif(result, { toolVersion: '9.9.9' }));
  });

  test('check runs', () => {
    expectGolden('check-run.json', JSON.stringify(renderCheckRun(result, ctx), null, 2));
    expectGolden(
      'check-run-history.json',
      JSON.stringify(renderCheckRun(history, { ...ctx, mode: 'history' }), null, 2),
    );
    expectGolden(
      'check-run-config-error.json',
      JSON.stringify(
        renderCheckRun(null, {
          ...ctx,
          configError: {
            source: '.github/upstash-guard.yml',
            field: 'failOn',
            message:
              '.github/upstash-guard.yml: failOn: Invalid option: expected one of "critical"|"high"',
          },
        }),
        null,
        2,
      ),
    );
  });

  test('comments and guidance', () => {
    expectGolden('pr-comment.md', renderPrComment(result, { repoUrl }) ?? '');
    expectGolden(
      'pr-comment-resolved.md',
      renderPrComment(emptyResult('range'), { previouslyHadFindings: true }) ?? '',
    );
    const f = history.findings[0]!;
    expectGolden(
      'commit-comment.md',
      renderCommitComment(f, f.occurrences[0]!, { repoUrl, history: true }),
    );
    expectGolden('guidance-history.md', renderGuidance(history.findings, { repoUrl }));
  });
});
