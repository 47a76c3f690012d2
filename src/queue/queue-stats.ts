/** What /metrics reports about a queue, read from the queue itself (so any process tells the truth). */
export interface QueueStats {
  /** Jobs by state: waiting, active, delayed, failed, completed (prioritized counts as waiting). */
  counts: Record<string, number>;
  /** Age in seconds of the oldest waiting job, by job kind. */
  oldestAgeSeconds: Record<string, number>;
}

export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;
