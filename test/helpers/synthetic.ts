/** Synthetic credentials for tests: the same generators the detectors use for their examples. */
export * from '../../src/core/detectors/synthetic.js';

/**
 * Placeholder values as docs write them (a zero UUID, a counting UUID, counting hex), built at run
 * time: written out beside an Upstash name, other scanners read them as leaked keys.
 */
export const ZERO_UUID = ['00000000', '0000', '4000', '8000', '0'.repeat(12)].join('-');
export const COUNTING_UUID = ['12345678', '1234', '4234', '8234', '123456789012'].join('-');
export const COUNTING_HEX = '0123456789abcdef'.repeat(2);
