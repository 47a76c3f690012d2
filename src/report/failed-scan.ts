import { redactSecrets } from '../core/redact.js';
import type { CheckRunOutput } from './check-run.js';
import { MAX_TITLE } from './check-run.js';
import { code } from './markdown.js';
import { printable } from './printable.js';

/** The reason is an error message: one line, bounded, shown in a code span. */
const MAX_REASON = 1_000;

/**
 * The check run of a scan that failed for good (git kept failing, the repository is too large,
 * …): neutral, like a scan that could not read everything (never a clean result), with the
 * reason. The reason is an error message built to be token-free; it is masked once more here,
 * as every message built from input is.
 */
export function renderFailedScan(reason: string, attempts: number): CheckRunOutput {
  // Git's messages can quote the scanned repository's names: no control or bidi character.
  const line = printable(redactSecrets(reason).replace(/\s+/g, ' ').trim());
  const shown = line.length > MAX_REASON ? `${line.slice(0, MAX_REASON)}…` : line;
  return {
    conclusion: 'neutral',
    title: 'The scan could not run: this commit was not checked for Upstash credentials'.slice(
      0,
      MAX_TITLE,
    ),
    summary: [
      `upstash-guard could not scan this commit (${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}):`,
      '',
      code(shown || 'unknown error'),
      '',
      'Nothing was checked, so this is **not** a clean result. Push again or choose **Re-run** to scan it once the cause is fixed.',
    ].join('\n'),
    text: '',
    annotations: [],
  };
}
