import { ofTypes, type FamilyRule } from './types.js';

export const boxGuidance: FamilyRule = (findings) =>
  ofTypes(findings, 'upstash-box-api-key').length === 0
    ? null
    : {
        heading: 'Upstash Box API key',
        steps: [
          'Revoke the key in the Upstash Console (Box → API keys), create a new one, update `UPSTASH_BOX_API_KEY` and redeploy.',
        ],
      };

export const context7Guidance: FamilyRule = (findings) =>
  ofTypes(findings, 'upstash-context7-api-key').length === 0
    ? null
    : {
        heading: 'Context7 API key',
        steps: [
          'Revoke the key in the Context7 dashboard, create a new one and update `CONTEXT7_API_KEY` wherever it is configured.',
        ],
      };
