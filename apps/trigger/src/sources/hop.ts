/** The hop count a message carries (header or field value as the broker decoded it); anything unreadable is 0. */
export function parseHop(value: unknown): number {
  const text = Buffer.isBuffer(value) ? value.toString('utf8') : value;
  const n = typeof text === 'number' ? text : typeof text === 'string' ? Number(text.trim()) : NaN;
  return Number.isInteger(n) && n > 0 ? n : 0;
}
