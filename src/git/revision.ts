import { shownValue } from '../core/index.js';

/** Revisions come from webhooks and the command line: refuse anything git could read as an option. */
export function assertRevision(rev: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_./@^~{}+-]*$/.test(rev) || rev.includes('..')) {
    throw new Error(`not a valid git revision: ${JSON.stringify(shownValue(rev))}`);
  }
  return rev;
}
