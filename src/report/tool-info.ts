/** Product identity for machine-readable outputs. Kept equal to package.json (a test checks it). */
export const TOOL_NAME = 'upstash-guard';
export const TOOL_VERSION = '0.1.0';
export const TOOL_URI = 'https://github.com/upstash-guard/upstash-guard';
