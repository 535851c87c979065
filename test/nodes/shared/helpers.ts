// A translator for unit tests: returns the key with its substitutions, so assertions can check both which
// catalog entry was chosen and what was filled in.
import type { Translate } from '../../../src/nodes/shared/errors';

export const t: Translate = (key, subs) => (subs && Object.keys(subs).length ? `${key} ${JSON.stringify(subs)}` : key);
