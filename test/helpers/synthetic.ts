/** Synthetic credentials for tests: the same generators the detectors use for their examples. */
export * from '../../src/core/detectors/synthetic.js';
