/**
 * The qualifier of a function URN as the invoker records it on an invocation (`latest`, a version name, or `!alias`
 * as async configs are keyed), or undefined when the URN names none and every qualifier counts.
 */
export function recordedQualifierOf(ref: { version?: string; alias?: string }): string | undefined {
  if (ref.alias !== undefined) return `!${ref.alias}`;
  if (ref.version === undefined) return undefined;
  return ref.version.toLowerCase() === 'latest' ? 'latest' : ref.version;
}
