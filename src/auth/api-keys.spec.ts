import { ApiKeys, hashApiKey } from './api-keys.ts';

describe('ApiKeys', () => {
  const deviceKey = 'device-secret-1';
  const operatorKey = 'operator-secret-1';
  const keys = ApiKeys.parse(` device:${hashApiKey(deviceKey)} , operator:${hashApiKey(operatorKey)}`);

  it('gives each configured key its role', () => {
    expect(keys.roleOf(deviceKey)).toBe('device');
    expect(keys.roleOf(operatorKey)).toBe('operator');
  });

  it('knows no role for an unknown key, a prefix of a key or the hash itself', () => {
    expect(keys.roleOf('nope')).toBeUndefined();
    expect(keys.roleOf(deviceKey.slice(0, -1))).toBeUndefined();
    expect(keys.roleOf(hashApiKey(deviceKey))).toBeUndefined();
  });

  it('is disabled when nothing is configured', () => {
    expect(ApiKeys.parse(undefined).enabled).toBe(false);
    expect(ApiKeys.parse(' ').enabled).toBe(false);
    expect(keys.enabled).toBe(true);
  });

  it('hashes with SHA-256 in hex', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
