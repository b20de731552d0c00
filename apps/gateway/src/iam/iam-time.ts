/** IAM timestamps carry microseconds: `2024-01-03T03:04:05.123000Z`. */
export function iamTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
