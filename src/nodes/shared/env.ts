// `${NAME}` references in connection fields and credentials (P13: core #5393, #1051, #2560). Node-RED
// itself replaces a value that is exactly `${NAME}`, and leaves the text as it is when NAME is unset, so a
// broker would see the literal "${MQTT_PASSWORD}". Here references may sit inside text
// ("plant-${HOSTNAME}") and an unset name is reported, not sent.

/** Looks a name up: Node-RED's flow/global env first (RED.util.getSetting), then process.env. */
export type EnvLookup = (name: string) => string | undefined;

export interface Expanded {
  value: string;
  /** Names referenced but not set; the caller reports them instead of connecting with a literal. */
  missing: string[];
}

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function expandEnv(text: string, lookup: EnvLookup): Expanded {
  const missing: string[] = [];
  const value = text.replace(REFERENCE, (whole, name: string) => {
    const found = lookup(name);
    if (found === undefined) {
      missing.push(name);
      return whole;
    }
    return found;
  });
  return { value, missing };
}
