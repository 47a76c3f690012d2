/** Queue depth and scan durations in Prometheus text format (no labels carry repository content). */
export class Metrics {
  private readonly durations = new Map<string, { count: number; sum: number }>();
  private findings = 0;
  private failures = 0;

  scanFinished(kind: string, ms: number, findings: number): void {
    const d = this.durations.get(kind) ?? { count: 0, sum: 0 };
    d.count++;
    d.sum += ms / 1000;
    this.durations.set(kind, d);
    this.findings += findings;
  }

  scanFailed(): void {
    this.failures++;
  }

  render(queueDepth: number): string {
    const lines = [
      '# HELP upstash_guard_queue_depth Scan jobs waiting or running.',
      '# TYPE upstash_guard_queue_depth gauge',
      `upstash_guard_queue_depth ${queueDepth}`,
      '# HELP upstash_guard_scan_duration_seconds Time from job start to report.',
      '# TYPE upstash_guard_scan_duration_seconds summary',
    ];
    for (const [kind, d] of this.durations) {
      lines.push(`upstash_guard_scan_duration_seconds_sum{kind="${kind}"} ${d.sum.toFixed(3)}`);
      lines.push(`upstash_guard_scan_duration_seconds_count{kind="${kind}"} ${d.count}`);
    }
    lines.push(
      '# TYPE upstash_guard_findings_total counter',
      `upstash_guard_findings_total ${this.findings}`,
    );
    lines.push(
      '# TYPE upstash_guard_scan_failures_total counter',
      `upstash_guard_scan_failures_total ${this.failures}`,
    );
    return `${lines.join('\n')}\n`;
  }
}
