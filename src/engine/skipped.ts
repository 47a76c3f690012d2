/** The `skipped` list of a ScanResult: what was not scanned and why, capped, counted in full. */
import { MAX_SKIPPED_LISTED, type SkippedContent } from '../core/index.js';

export class SkipLog {
  readonly list: SkippedContent[] = [];
  count = 0;

  /** `count`: how many files or blobs the entry stands for (one, except for missing objects). */
  add(entry: SkippedContent, count = 1): void {
    this.count += count;
    if (this.list.length < MAX_SKIPPED_LISTED)
      this.list.push(count > 1 ? { ...entry, count } : entry);
  }

  /** A file or blob over hardMaxFileSize. */
  tooLarge(path: string, size: number, cap: number, commit?: string): void {
    this.add({
      path,
      reason: 'too-large',
      detail: `${megabytes(size)}, over hardMaxFileSize (${megabytes(cap)})`,
      size,
      ...(commit ? { commit } : {}),
    });
  }
}

function megabytes(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
