/**
 * Parses `git log -p -U0 --cc` / `git diff -U0` output into fragments of ADDED lines, one per
 * (commit, file), with new-file line numbers. For merge commits (combined diff) a line counts only
 * when it differs from every parent (all prefix columns are '+'): what a merge brings in from the
 * base branch is not blamed on it, an evil merge's own lines are.
 */
import type { Fragment } from '../core/index.js';
import { unquotePath } from './unquote-path.js';

export interface AddedLinesSink {
  fragment(f: Fragment): void;
  binary(path: string): void;
  tooLarge(path: string): void;
  commit(): void;
}

export class AddedLinesParser {
  private commit: { sha: string; author: string; date: string } | undefined;
  private path: string | undefined;
  private lines: string[] = [];
  private numbers: number[] = [];
  private bytes = 0;
  private overflow = false;
  private parents = 1;
  private newLine = 0;
  /**
   * True between a `diff ` line and its first `@@`. Only there are `+++ ` / `Binary files` headers:
   * inside a hunk an added line "++ x" is shown as "+++ x" and must stay content, or a commit could
   * re-route the lines after it to another (e.g. ignored) path.
   */
  private inHeader = false;

  constructor(
    private readonly sink: AddedLinesSink,
    private readonly maxBytes: number,
    private readonly skip: (path: string) => boolean,
  ) {}

  line(line: string): void {
    if (line.charCodeAt(0) === 1) {
      this.flush();
      const [sha, author, date] = line.slice(1).split('\x1f');
      this.commit = { sha: sha!, author: author ?? '', date: date ?? '' };
      this.sink.commit();
      this.inHeader = false;
      this.path = undefined;
      this.newLine = 0;
      return;
    }
    if (line.startsWith('diff --')) {
      this.flush();
      this.path = undefined;
      this.newLine = 0;
      this.inHeader = true;
      this.parents = line.startsWith('diff --cc ') || line.startsWith('diff --combined ') ? 2 : 1;
      return;
    }
    if (this.inHeader && line.startsWith('+++ ')) {
      // git appends a TAB to unquoted paths that contain spaces.
      const raw = line.slice(4).replace(/\t$/, '');
      if (raw === '/dev/null') return void (this.path = undefined);
      const p = unquotePath(raw);
      const path = p.startsWith('b/') ? p.slice(2) : p;
      this.path = this.skip(path) ? undefined : path;
      return;
    }
    if (this.inHeader && line.startsWith('Binary files ')) {
      const m = / and (?:"?b\/)?(.*?)"? differ$/.exec(line);
      if (m && m[1] !== '/dev/null') this.sink.binary(m[1]!);
      return;
    }
    if (line.startsWith('@@')) {
      this.inHeader = false;
      const at = /^(@+) /.exec(line);
      this.parents = at ? at[1]!.length - 1 : 1;
      const plus = / \+(\d+)(?:,\d+)? @/.exec(line);
      this.newLine = plus ? Number(plus[1]) : 0;
      return;
    }
    if (this.path === undefined || this.newLine === 0) return;
    const prefix = line.slice(0, this.parents);
    if (prefix.length < this.parents || !/^[ +-]+$/.test(prefix)) return;
    if (prefix.includes('-')) return; // a removed line: not in the new file
    const lineNo = this.newLine++;
    if (prefix !== '+'.repeat(this.parents)) return; // context, or brought in from another parent
    if (this.overflow) return;
    const text = line.slice(this.parents);
    this.bytes += text.length + 1;
    if (this.bytes > this.maxBytes) {
      this.overflow = true;
      return;
    }
    this.lines.push(text);
    this.numbers.push(lineNo);
  }

  flush(): void {
    if (this.overflow && this.path) this.sink.tooLarge(this.path);
    if (this.path && this.lines.length > 0 && !this.overflow) {
      this.sink.fragment({
        path: this.path,
        text: this.lines.join('\n'),
        lineNumbers: this.numbers,
        ...(this.commit
          ? { commit: this.commit.sha, author: this.commit.author, date: this.commit.date }
          : {}),
      });
    }
    this.lines = [];
    this.numbers = [];
    this.bytes = 0;
    this.overflow = false;
  }
}
