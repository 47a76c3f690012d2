/** `scan FILE` and `scan -`: one file or standard input, through the same core as every mode. */
import { readFile } from 'node:fs/promises';
import { mayContainSecret, scanText, type Hit, type ScanResult } from '../core/index.js';
import { emptyStats, finishScan, isBinary } from '../engine/finish-scan.js';
import type { EngineOptions } from '../engine/types.js';
import { UsageError, type CliIo } from './io.js';

/** The label findings from standard input carry as their path. */
export const STDIN_LABEL = '(stdin)';

async function readStdin(io: CliIo, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of io.stdin ?? []) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += b.length;
    if (size > limit) return null;
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** Scans one named file (shown under the name given) or standard input (`-`). */
export async function scanInput(
  file: string | undefined,
  shownAs: string,
  io: CliIo,
  opts: EngineOptions,
): Promise<ScanResult> {
  const started = Date.now();
  const stats = emptyStats();
  const warnings: string[] = [];
  const hits: Hit[] = [];
  const limit = opts.config.maxFileSize;
  let data: Buffer | null;
  if (file === undefined) data = await readStdin(io, limit);
  else {
    data = await readFile(file).catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot read ${shownAs} (${err.code ?? 'error'})`);
    });
    if (data.length > limit) data = null;
  }
  if (data === null) {
    stats.skippedTooLarge++;
    warnings.push(`${shownAs} is larger than maxFileSize (${limit} bytes) and was not scanned`);
  } else if (isBinary(data)) {
    stats.skippedBinary++;
  } else {
    stats.filesScanned = 1;
    stats.bytesScanned = data.length;
    if (mayContainSecret(data))
      hits.push(...scanText({ path: shownAs, text: data.toString('utf8') }));
  }
  return finishScan('tree', hits, stats, warnings, opts, started);
}
