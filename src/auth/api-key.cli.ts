import { randomBytes } from 'node:crypto';
import { hashApiKey, ROLES, type Role } from './api-keys.ts';

/** `npm run api-key -- <role>`: prints a new random key (give it to the client) and its API_KEYS entry. */
const role = process.argv[2] as Role | undefined;
if (!role || !ROLES.includes(role)) {
  console.error(`usage: npm run api-key -- <${ROLES.join('|')}>`);
  process.exit(2);
}
const key = randomBytes(32).toString('base64url');
console.log(`key:            ${key}`);
console.log(`API_KEYS entry: ${role}:${hashApiKey(key)}`);
