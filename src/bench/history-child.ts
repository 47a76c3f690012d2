/**
 * Runs one history scan and prints its cost as JSON (spawned by run-bench so RSS is its own).
 * Arguments after the repository are globs added to the default config's `ignorePaths`.
 */
import { DEFAULT_CONFIG } from '../core/index.js';
import { scanHistory } from '../engine/scan-history.js';

const [repo, ...ignore] = process.argv.slice(2);
if (!repo) {
  console.error('usage: history-child <repo> [ignored glob]...');
  process.exit(2);
}
const started = process.hrtime.bigint();
const result = await scanHistory(repo, {
  config: ignore.length
    ? { ...DEFAULT_CONFIG, ignorePaths: [...DEFAULT_CONFIG.ignorePaths, ...ignore] }
    : DEFAULT_CONFIG,
});
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const { stats } = result;
console.log(
  JSON.stringify({
    seconds,
    nodeMaxRssMb: process.resourceUsage().maxRSS / 1024,
    findings: result.findings.length,
    blobs: stats.blobsScanned,
    bytes: stats.bytesScanned,
    commits: stats.commitsScanned,
    skippedBinary: stats.skippedBinary,
    skippedTooLarge: stats.skippedTooLarge,
    skippedIgnored: stats.skippedIgnored,
    warnings: result.warnings.length,
  }),
);
