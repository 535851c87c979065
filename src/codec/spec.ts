// The two specifications number the same rule differently (UTF-8 rules are 1.5.4-x in 5.0 but 1.5.3-x in
// 3.1.1). Errors cite the statement of the specification the connection speaks; MQTT 3.1 has no numbered
// statements, so 3.1.1's stand in for it.
import type { ProtocolVersion } from './types';

export function sid(version: ProtocolVersion, v5: string | undefined, v311: string | undefined): string | undefined {
  return version === 5 ? v5 : v311;
}
