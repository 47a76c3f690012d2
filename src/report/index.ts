/** Pure renderers: findings in, text out. None of them can see a raw secret. */
export { renderText, type TextOptions } from './text.js';
export { BASELINE_REASON } from './baseline.js';
export { sortFindings } from './sort-findings.js';
export { plural } from './labels.js';
export { renderJson, type JsonOptions } from './json.js';
export { renderSarif, type SarifOptions } from './sarif.js';
export {
  CHECK_RUN_NAME,
  renderCheckRun,
  type CheckRunAnnotation,
  type CheckRunContext,
  type CheckRunOutput,
} from './check-run.js';
export { renderFailedScan } from './failed-scan.js';
export { PR_COMMENT_MARKER, renderPrComment, type PrCommentContext } from './pr-comment.js';
export {
  commitCommentMarker,
  isCommitCommentFor,
  renderCommitComment,
  type CommitCommentContext,
} from './commit-comment.js';
export { renderGuidance, ROTATE_FIRST, type GuidanceContext } from './guidance/render-guidance.js';
export { TOOL_NAME, TOOL_VERSION } from './tool-info.js';
