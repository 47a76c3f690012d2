/** Runs one history scan and prints its cost as JSON (spawned by run-bench so RSS is its own). */
import { DEFAULT_CONFIG } from '../core/index.js';
import { scanHistory } from '../engine/scan-history.js';

const repo = process.argv[2];
if (!repo) {
  console.error('usage: history-child <repo>');
  process.exit(2);
}
const started = process.hrtime.bigint();
const result = await scanHistory(repo, { config: DEFAULT_CONFIG });
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(
  JSON.stringify({
    seconds,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    findings: result.findings.length,
    blobs: result.stats.blobsScanned,
    bytes: result.stats.bytesScanned,
    commits: result.stats.commitsScanned,
  }),
);
