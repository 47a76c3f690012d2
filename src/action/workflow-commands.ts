/** GitHub Actions workflow commands (`::error file=…,line=…::message`), escaped as the runner expects. */
import type { CheckRunAnnotation } from '../report/index.js';

const escapeData = (s: string): string =>
  s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string): string =>
  escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

const COMMAND: Record<CheckRunAnnotation['annotation_level'], string> = {
  failure: 'error',
  warning: 'warning',
  notice: 'notice',
};

/** GitHub shows at most 10 annotations of each level per step; a few more go to the log. */
export const MAX_ANNOTATIONS = 50;

export function annotationCommands(annotations: readonly CheckRunAnnotation[]): string[] {
  return annotations.slice(0, MAX_ANNOTATIONS).map((a) => {
    const props = [
      `file=${escapeProperty(a.path)}`,
      `line=${a.start_line}`,
      `endLine=${a.end_line}`,
      `title=${escapeProperty(a.title)}`,
    ].join(',');
    return `::${COMMAND[a.annotation_level]} ${props}::${escapeData(a.message)}`;
  });
}

export const errorCommand = (message: string): string => `::error::${escapeData(message)}`;

/**
 * A warning can quote the repository's text (a ref, git's stderr): escaped like every command,
 * since the runner also ends a line at a CR, and a `::` command on the next "line" would run.
 */
export const warningCommand = (message: string): string => `::warning::${escapeData(message)}`;
