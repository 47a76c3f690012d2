/** Skipped content in every output: never a clean bill of health, and never a secret. */
import { DEFAULT_CONFIG } from '../../src/core/config/types.js';
import {
  renderCheckRun,
  renderJson,
  renderPrComment,
  renderSarif,
  renderText,
} from '../../src/report/index.js';
import { where } from '../../src/report/labels.js';
import { emptySkippedResult, skippedResult, SKIPPED } from './fixtures.js';

const ctx = { config: DEFAULT_CONFIG, repoUrl: 'https://github.com/acme/shop' };

describe('skipped content', () => {
  const empty = emptySkippedResult();

  test('text: no ✓ line; each skipped file with its reason', () => {
    const out = renderText(empty);
    expect(out).not.toContain('✓');
    expect(out).toContain(
      '! No Upstash credentials found in what was scanned, but 2 files not scanned (1 over hardMaxFileSize, 1 unreadable)',
    );
    expect(out).toContain(
      'not scanned: assets/dump.sqlite: 300.0 MiB, over hardMaxFileSize (256.0 MiB) (commit a1b2c3d)',
    );
    expect(out).toContain('not scanned: secrets|odd.env: could not be read (EACCES)');
    const withFindings = renderText(skippedResult().result);
    expect(withFindings).toContain(
      '! 3 files not scanned (1 over hardMaxFileSize, 1 unreadable, 1 more not listed)',
    );
  });

  test('one entry standing for several missing objects is counted as them, not as "more not listed"', () => {
    const result = {
      ...empty,
      skipped: [
        {
          path: '',
          reason: 'missing' as const,
          detail: '6 reachable objects are missing or unreadable',
          count: 6,
        },
      ],
      skippedCount: 6,
    };
    const out = renderText(result);
    expect(out).toContain('but 6 files not scanned (6 missing objects)');
    expect(out).not.toMatch(/more not listed|and \d+ more/);
  });

  test('JSON: skipped entries and the full count', () => {
    const doc = JSON.parse(renderJson(empty)) as { skipped: unknown[]; skippedCount: number };
    expect(doc.skippedCount).toBe(2);
    expect(doc.skipped).toEqual([
      {
        path: 'assets/dump.sqlite',
        reason: 'too-large',
        detail: '300.0 MiB, over hardMaxFileSize (256.0 MiB)',
        size: 314572800,
        commit: SKIPPED[0]!.commit,
      },
      {
        path: 'secrets|odd.env',
        reason: 'unreadable',
        detail: 'could not be read (EACCES)',
        size: null,
        commit: null,
      },
    ]);
  });

  test('SARIF: one tool notification per skipped file', () => {
    const log = JSON.parse(renderSarif(empty)) as {
      runs: {
        invocations: {
          toolExecutionNotifications: Record<string, unknown>[];
          properties: object;
        }[];
      }[];
    };
    const inv = log.runs[0]!.invocations[0]!;
    expect(inv.properties).toEqual({ skippedCount: 2 });
    expect(inv.toolExecutionNotifications).toEqual([
      expect.objectContaining({
        level: 'warning',
        descriptor: { id: 'upstash-guard/skipped/too-large' },
        message: { text: expect.stringContaining('Not scanned: assets/dump.sqlite') },
        locations: [{ physicalLocation: { artifactLocation: { uri: 'assets/dump.sqlite' } } }],
      }),
      expect.objectContaining({ descriptor: { id: 'upstash-guard/skipped/unreadable' } }),
    ]);
  });

  test('check run: neutral, not success, and the list in the summary', () => {
    const out = renderCheckRun(empty, ctx);
    expect(out.conclusion).toBe('neutral');
    expect(out.title).toBe(
      'No Upstash credentials found, but 2 files not scanned (1 over hardMaxFileSize, 1 unreadable)',
    );
    expect(out.summary).toContain(
      '`assets/dump.sqlite`: 300.0 MiB, over hardMaxFileSize (256.0 MiB)',
    );
    expect(out.summary).toContain('`secrets\\|odd.env`');
    expect(out.summary).toContain(
      `(commit [\`a1b2c3d\`](https://github.com/acme/shop/commit/${SKIPPED[0]!.commit!}))`,
    );
    const withFindings = renderCheckRun(skippedResult().result, ctx);
    expect(withFindings.conclusion).toBe('failure');
    expect(withFindings.summary).toContain('Not scanned: 3 files not scanned');
  });

  test('PR comment: posted even with no findings, and after resolved findings', () => {
    const fresh = renderPrComment(empty, ctx)!;
    expect(fresh).toContain('not everything was scanned');
    expect(fresh).toContain('`assets/dump.sqlite`');
    const resolved = renderPrComment(empty, { ...ctx, previouslyHadFindings: true })!;
    expect(resolved).toContain('resolved');
    expect(resolved).toContain('Not scanned');
    expect(renderPrComment(skippedResult().result, ctx)).toContain(
      'Not scanned: 3 files not scanned',
    );
  });
});

test('an occurrence in binary content shows its byte offset', () => {
  expect(where({ path: 'a.sqlite', line: 3, offset: 51 })).toBe('a.sqlite:3 (byte 51)');
  expect(where({ path: 'a.env', line: 3 })).toBe('a.env:3');
});
