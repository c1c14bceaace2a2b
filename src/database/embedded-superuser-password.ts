import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Kept inside the data directory (so it goes wherever the data goes, and with it), readable by its owner only. */
export const PASSWORD_FILE = 'energy-superuser.password';
/** What data directories made before generated passwords were initialised with. */
export const LEGACY_PASSWORD = 'postgres';

export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

export async function readPassword(dataDir: string): Promise<string | undefined> {
  try {
    return (await readFile(join(dataDir, PASSWORD_FILE), 'utf8')).trim() || undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Written whole or not at all (temp file, then rename), mode 0600. */
export async function writePassword(dataDir: string, password: string): Promise<void> {
  const path = join(dataDir, PASSWORD_FILE);
  await writeFile(`${path}.tmp`, `${password}\n`, { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}
