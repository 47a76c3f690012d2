import { ofTypes, type FamilyRule } from './types.js';

/**
 * A QStash token can read the signing keys (GET /v2/keys), so a token leak is a key leak too.
 * Rolling makes "next" the new "current": if both keys leaked, one roll leaves a leaked key active.
 */
export const qstashGuidance: FamilyRule = (findings) => {
  const tokens = ofTypes(findings, 'upstash-qstash-token');
  const keys = ofTypes(findings, 'upstash-qstash-signing-key');
  if (tokens.length === 0 && keys.length === 0) return null;
  const bothKeys =
    keys.length >= 2 ||
    (keys.some((k) => k.details.key === 'current') && keys.some((k) => k.details.key === 'next'));
  const rollTwice = bothKeys || tokens.length > 0;
  const steps: string[] = [];
  if (tokens.length > 0) {
    steps.push(
      'Reset the QStash token: Upstash Console → QStash → **Reset token**, or `POST https://api.upstash.com/v2/qstash/rotate-token/{id}`. Tokens are per region: reset it in every region the leaked token belongs to.',
      'Update `QSTASH_TOKEN` wherever it is used and redeploy publishers.',
    );
  }
  steps.push(
    rollTwice
      ? `Roll the signing keys **twice** (Console → QStash → **Roll keys**, or \`POST /v2/keys/rotate\`): ${tokens.length > 0 ? 'the leaked token could read both keys' : 'both keys leaked'}, and after one roll the leaked "next" key becomes "current".`
      : 'Roll the signing keys once (Console → QStash → **Roll keys**, or `POST /v2/keys/rotate`).',
    'After **each** roll, update `QSTASH_CURRENT_SIGNING_KEY` and `QSTASH_NEXT_SIGNING_KEY` and redeploy your receivers before rolling again: rolling twice without redeploying makes every signature check fail.',
  );
  return {
    heading: tokens.length > 0 ? 'QStash token and signing keys' : 'QStash signing keys',
    steps,
  };
};
