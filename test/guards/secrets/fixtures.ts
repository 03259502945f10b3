/**
 * Secret-looking values for the tests, built at run time so this repository itself holds none (and no
 * scanner run over it trips on the test sources).
 */
import { generateKeyPairSync } from 'node:crypto';

const join = (...parts: string[]) => parts.join('');

export const GITHUB_TOKEN = join('ghp', '_', 'R8mK2vQ9xL4tZ7wN1bC6yH3jF5sD0gA2pE8u');
export const AWS_KEY_ID = join('AK', 'IA', 'Q7ZK3M2XWJ4PV6TR');
export const ANTHROPIC_KEY = join('sk-', 'ant-api03-', 'x7Kq2'.repeat(18), 'abc', 'AA');
export const ANTHROPIC_OAUTH = join('sk-', 'ant-oat01-', 'Zp4Lm9Qr2Vt7'.repeat(6));
export const PEM_HEADER = join('-----BEGIN ', 'RSA PRIVATE', ' KEY-----');
export const SLACK_TOKEN = join('xo', 'xb-', '1234567890-1234567890-', 'abcdefghijABCDEFGHIJklmn');

let pem: string | undefined;
/** A real 2048-bit PKCS#8 private key in PEM form. */
export function pemKey(): string {
  pem ??= generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
  return pem;
}
