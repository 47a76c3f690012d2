/** `suppressed[].reason` of a finding dropped by `--baseline` (it was in an earlier report). */
export const BASELINE_REASON = 'baseline';
