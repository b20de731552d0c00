/** ISO-8601 with an explicit offset and no milliseconds, as FunctionGraph prints times: `2019-10-25T15:37:27+00:00`. */
export function isoWithOffset(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}
