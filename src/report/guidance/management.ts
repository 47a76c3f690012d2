import { ofTypes, type FamilyRule } from './types.js';

/** No revoke API is documented for management keys; the console is the only way. */
export const managementGuidance: FamilyRule = (findings) => {
  if (ofTypes(findings, 'upstash-management-key').length === 0) return null;
  return {
    heading: 'Management API key',
    steps: [
      'Delete the key now: Upstash Console → Account → **Management API** → delete. It can read every database credential of the account, so treat all of them as exposed.',
      'Create a new key only if you need one, store it in your secret manager, and reset the passwords of databases the key could reach if you see unexpected activity.',
    ],
  };
};
