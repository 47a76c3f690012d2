/**
 * Printable runs of binary content, the way `strings` finds them: a SQLite file, a PNG text chunk,
 * a `.pyc` or a bundle with a NUL byte can hold a credential as plain ASCII between binary bytes.
 * Each run becomes one line of the text that is scanned, and remembers where it came from (byte
 * offset, and line and column counted by LF bytes) so a hit is reported where it is in the file.
 */

/** Shorter runs are noise in random bytes; every key name and credential is longer. */
export const MIN_RUN = 6;

export interface Run {
  /** Byte offset of the run in the scanned bytes. */
  offset: number;
  /** 0-based count of LF bytes before the run. */
  line: number;
  /** Bytes between the preceding LF (or the start) and the run. */
  column0: number;
}

export interface PrintableRuns {
  /** The runs, one per line. */
  text: string;
  runs: Run[];
}

function printable(b: number): boolean {
  return (b >= 0x20 && b <= 0x7e) || b === 0x09;
}

export function printableRuns(data: Buffer, minRun = MIN_RUN): PrintableRuns {
  const runs: Run[] = [];
  const pieces: string[] = [];
  let line = 0;
  let lineStart = 0;
  let start = -1;
  const n = data.length;
  for (let i = 0; i <= n; i++) {
    const b = i < n ? data[i]! : 0;
    if (printable(b)) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0) {
      if (i - start >= minRun) {
        runs.push({ offset: start, line, column0: start - lineStart });
        pieces.push(data.toString('latin1', start, i));
      }
      start = -1;
    }
    if (b === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { text: pieces.join('\n'), runs };
}
