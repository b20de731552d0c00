import { FgsError, LIMITS } from '@ofg/contracts';

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

/**
 * Checks `user_data` / `encrypted_user_data`: a JSON object string whose values are strings, with at most 20 keys
 * (FSS.1017) and 4 KB (FSS.1018); anything else malformed is FSS.1009. Returns the text unchanged.
 */
export function validateUserData(text: string, field: 'user_data' | 'encrypted_user_data'): string {
  if (text === '') return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new FgsError(
      'FSS.1009',
      `Invalid parameter ${field}: must be a JSON object string such as {"KEY":"value"}`,
    );
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new FgsError(
      'FSS.1009',
      `Invalid parameter ${field}: must be a JSON object string such as {"KEY":"value"}`,
    );
  }
  const entries = Object.entries(parsed);
  for (const [key, value] of entries) {
    if (!KEY.test(key))
      throw new FgsError(
        'FSS.1009',
        `Invalid parameter ${field}: "${key.slice(0, 64)}" is not a valid variable name`,
      );
    if (typeof value !== 'string')
      throw new FgsError('FSS.1009', `Invalid parameter ${field}: the value of "${key}" must be a string`);
    if (value.includes('\0'))
      throw new FgsError(
        'FSS.1009',
        `Invalid parameter ${field}: the value of "${key}" contains a NUL character`,
      );
  }
  if (entries.length > LIMITS.userDataEntries) {
    throw new FgsError(
      'FSS.1017',
      `Invalid parameter ${field}: more than ${LIMITS.userDataEntries} environment variables`,
    );
  }
  if (Buffer.byteLength(text, 'utf8') > LIMITS.userDataBytes) {
    throw new FgsError('FSS.1018', `Invalid parameter ${field}: larger than ${LIMITS.userDataBytes} bytes`);
  }
  return text;
}

/** What responses show instead of encrypted variables, which never leave the platform in clear. */
export const ENCRYPTED_USER_DATA_MASK = '******';
