import { isIP } from 'node:net';
import { ValidateBy } from 'class-validator';

/** Names proxy-addr (Fastify's `trustProxy`) knows for groups of private addresses. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * What Fastify's `trustProxy` gets from `TRUST_PROXY`: `true` (trust every hop: only behind a proxy
 * that overwrites X-Forwarded-For), `false` (ignore it), or the addresses/CIDRs of the proxies
 * (the safe choice). `request.ip` is then the client behind them, and rate limits count that address.
 * A hop count is refused: Fastify 5 no longer honours one (it cannot check the immediate peer, so
 * Fastify trusts nothing), and silently ignoring the setting would count every client as the proxy.
 */
export function trustProxyOption(setting: string): boolean | string[] {
  const value = setting.trim();
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value.split(',').map((entry) => entry.trim());
}

export function isTrustProxySetting(setting: unknown): boolean {
  if (typeof setting !== 'string') return false;
  const option = trustProxyOption(setting);
  if (!Array.isArray(option)) return true;
  return option.every((entry) => NAMED_RANGES.has(entry) || isAddressOrCidr(entry));
}

function isAddressOrCidr(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

export const IsTrustProxySetting = (): PropertyDecorator =>
  ValidateBy({
    name: 'isTrustProxySetting',
    validator: {
      validate: isTrustProxySetting,
      defaultMessage: () =>
        'TRUST_PROXY must be true, false, or comma-separated proxy addresses/CIDRs (or loopback, linklocal, uniquelocal); ' +
        'a hop count is not supported by Fastify 5',
    },
  });
