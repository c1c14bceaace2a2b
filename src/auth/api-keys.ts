import { createHash, timingSafeEqual } from 'node:crypto';

export const ROLES = ['device', 'operator'] as const;
export type Role = (typeof ROLES)[number];

interface ConfiguredKey {
  role: Role;
  hash: Buffer;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * The configured API keys, held only as SHA-256 hashes. A presented key is hashed and compared
 * with every configured hash in constant time, so neither timing nor memory reveals a key.
 */
export class ApiKeys {
  private constructor(private readonly keys: ConfiguredKey[]) {}

  /** From `API_KEYS`: comma-separated `<role>:<sha256 hex>`. */
  static parse(setting: string | undefined): ApiKeys {
    const entries = (setting ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0);
    return new ApiKeys(
      entries.map((entry) => {
        const [role, hash] = entry.split(':') as [Role, string];
        return { role, hash: Buffer.from(hash, 'hex') };
      }),
    );
  }

  get enabled(): boolean {
    return this.keys.length > 0;
  }

  /** The role of the presented key, or undefined when it matches no configured key. */
  roleOf(presented: string): Role | undefined {
    const hash = createHash('sha256').update(presented, 'utf8').digest();
    let role: Role | undefined;
    for (const key of this.keys) {
      if (timingSafeEqual(hash, key.hash)) role = key.role; // no early exit: same work for every key
    }
    return role;
  }
}
