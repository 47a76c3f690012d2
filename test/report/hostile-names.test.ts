/**
 * Paths, authors, refs and tag names in a report are the scanned repository's text. In a terminal
 * they must not steer it (ANSI and OSC 8 escapes, a carriage return that hides a line, bidi
 * overrides that reorder one); in Markdown the App posts as itself they must not break out of
 * their code span into links, images, HTML or @team mentions; JSON and SARIF keep the real names
 * but escape what a terminal or an editor would act on.
 */
import { DEFAULT_CONFIG, type ScanResult } from '../../src/core/index.js';
import {
  renderCheckRun,
  renderCommitComment,
  renderGuidance,
  renderJson,
  renderPrComment,
  renderSarif,
  renderText,
} from '../../src/report/index.js';
import { historyRewriteRecipe } from '../../src/report/guidance/history-rewrite.js';
import { leakFinding } from '../helpers/leak-finding.js';

const ESC = '\x1b';
/** Every hostile name holds EVIL: in Markdown it may only appear inside code. */
const PATH =
  'x``@acme/EVIL-team <img src=https://evil.example/EVIL.png> [EVIL](https://evil.example)``' +
  `\n\n# EVIL ${ESC}]8;;https://evil.example\x07EVIL${ESC}]8;;\x07\r${ESC}[2K\u202eEVIL\x9b31m.env`;
const AUTHOR = `Eve ${ESC}[2J @acme/EVIL <img src=x>`;
const TAG = 'v1-`@acme/EVIL`-``[EVIL](https://evil.example)';
const BRANCH = 'feature/\u202eEVIL\u2066';

function hostileResult(): ScanResult {
  const commit = 'c'.repeat(40);
  const file = leakFinding(undefined, {
    occurrences: [{ path: PATH, line: 3, commit, author: AUTHOR }],
    introducedBy: { commit, path: PATH, author: AUTHOR },
    branches: [BRANCH],
    tags: [TAG],
    presentAtHead: true,
    commitCount: 1,
  });
  const message = leakFinding(undefined, {
    occurrences: [{ path: '', line: 1, source: 'tag-message', tag: TAG, commit }],
    introducedBy: { commit, path: '', source: 'tag-message', tag: TAG, author: AUTHOR },
    tags: [TAG],
  });
  return {
    mode: 'history',
    findings: [file, message],
    suppressed: [],
    stats: {
      filesScanned: 1,
      bytesScanned: 1,
      skippedBinary: 0,
      skippedTooLarge: 0,
      skippedIgnored: 0,
      durationMs: 1,
    },
    warnings: [`${PATH}: could not be read (EIO)`],
    skipped: [{ path: PATH, reason: 'unreadable', detail: 'could not be read (EIO)' }],
    skippedCount: 1,
  };
}

/** C0 (but LF), DEL, C1, bidi and line-separator characters. */
const STEERING =
  // eslint-disable-next-line no-control-regex -- control characters are what must not get through
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/**
 * Markdown with every code span and fenced block removed, as CommonMark reads them: a run of N
 * backticks opens a span that only the next run of exactly N closes; a fence of N backticks closes
 * at a line of at least N.
 */
function outsideCode(markdown: string): string {
  const out: string[] = [];
  let fence = 0;
  for (const line of markdown.split('\n')) {
    const f = /^ {0,3}(`{3,})/.exec(line);
    if (fence > 0) {
      if (f && f[1]!.length >= fence && line.trim() === f[1]) fence = 0;
      continue;
    }
    if (f && !line.slice(f[0].length).includes('`')) {
      fence = f[1]!.length;
      continue;
    }
    let text = '';
    let i = 0;
    while (i < line.length) {
      const open = /`+/.exec(line.slice(i));
      if (!open) {
        text += line.slice(i);
        break;
      }
      const start = i + open.index;
      text += line.slice(i, start);
      const n = open[0].length;
      let j = start + n;
      let close = -1;
      while (j < line.length) {
        const run = /`+/.exec(line.slice(j));
        if (!run) break;
        if (run[0].length === n) {
          close = j + run.index;
          break;
        }
        j += run.index + run[0].length;
      }
      if (close < 0) {
        text += line.slice(start, start + n); // a literal run of backticks
        i = start + n;
      } else i = close + n;
    }
    out.push(text);
  }
  return out.join('\n');
}

describe('hostile names in every output', () => {
  const result = hostileResult();
  const ctx = { config: DEFAULT_CONFIG, repoUrl: 'https://github.com/acme/shop' };

  it('the outsideCode helper reads code spans as CommonMark does', () => {
    expect(outsideCode('a `b` c ``d`e`` f ```g``` `` h')).toBe('a  c  f  `` h');
    expect(outsideCode('x\n```sh\nEVIL\n```\ny')).toBe('x\ny');
  });

  it.each([
    ['plain', false],
    ['coloured', true],
  ])('text (%s) never lets a name steer the terminal', (_name, color) => {
    const text = renderText(result, { color, guidance: true, verbose: true });
    // Our own colours are SGR sequences; nothing else may reach the terminal.
    // eslint-disable-next-line no-control-regex -- our own SGR colour sequences
    const bare = text.replace(/\x1b\[[0-9;]*m/g, '');
    expect(bare).not.toMatch(STEERING);
    expect(bare).toContain('EVIL'); // shown, escaped
    expect(bare).toContain('\\x1b]8;;https://evil.example');
    expect(bare).toContain('\\u{202e}EVIL');
    expect(bare.split('\n').filter((l) => l.includes('# EVIL'))).toEqual(
      bare.split('\n').filter((l) => l.includes('x``@acme')),
    );
  });

  it('Markdown keeps every name inside code', () => {
    const check = renderCheckRun(result, ctx);
    const history = renderCheckRun(result, { ...ctx, mode: 'history' });
    const scan = renderCheckRun({ ...result, mode: 'range' }, ctx);
    const outputs = {
      'PR comment': renderPrComment({ ...result, mode: 'range' }, ctx)!,
      'check run summary': check.summary,
      'check run text': check.text,
      'history check run summary': history.summary,
      'range check run summary': scan.summary,
      guidance: renderGuidance(result.findings, ctx),
      recipe: historyRewriteRecipe(result.findings),
      ...Object.fromEntries(
        result.findings.flatMap((f, i) =>
          f.occurrences.map((o) => [`commit comment ${i}`, renderCommitComment(f, o, ctx)]),
        ),
      ),
    };
    for (const [name, md] of Object.entries(outputs)) {
      expect([name, md]).not.toEqual([name, expect.stringMatching(STEERING)]);
      expect([name, outsideCode(md)]).not.toEqual([name, expect.stringContaining('EVIL')]);
    }
    expect(outputs['PR comment']).toContain('EVIL-team');
    // Annotations name the real file, so GitHub attaches them to it.
    expect(check.annotations.map((a) => a.path)).toEqual([PATH]);
    for (const a of check.annotations) expect(`${a.title}${a.message}`).not.toMatch(STEERING);
  });

  it('JSON and SARIF stay valid, keep the real names and escape what a terminal acts on', () => {
    for (const out of [renderJson(result), renderSarif(result)]) {
      expect(out).not.toMatch(STEERING);
      expect(() => JSON.parse(out) as unknown).not.toThrow();
    }
    const json = JSON.parse(renderJson(result)) as {
      findings: { occurrences: { path: string; author?: string }[] }[];
    };
    expect(json.findings.flatMap((f) => f.occurrences)).toContainEqual(
      expect.objectContaining({ path: PATH, author: AUTHOR }),
    );
  });
});
