import { FgsError } from '../errors/error-code';
import {
  ALIAS_LIMITS,
  isLatestVersion,
  isPublishableVersionName,
  VersionStrategy,
  versionStrategySchema,
} from './version.schemas';

/** Where an alias sends requests: its main version, plus at most one additional version by rule or by weight. */
export interface AliasRouting {
  /** Main version (`latest` allowed): gets every request no rule or weight sends elsewhere. */
  version: string;
  /** Additional version → percentage (0–100) of the requests no rule matched. */
  weights: Record<string, number>;
  /** Additional version → the rules that send a matching request to it. */
  strategy: Record<string, VersionStrategy>;
}

/** Request headers as Node hands them over (lower-case names; repeated ones joined or as arrays). */
export type RouteHeaders = Record<string, string | string[] | undefined>;

/**
 * Validates the additional versions of an alias body against its main version: names of published versions
 * (never `latest`, FSS.1091), at most one of them (FSS.1091), not the main version (FSS.1093), integer weights
 * 0–100 (FSS.1092), well-formed rules (FSS.1091). Whether the versions exist is the repository's to check.
 */
export function normaliseAliasRouting(
  version: string,
  weights: Record<string, unknown> | null | undefined,
  strategy: Record<string, unknown> | null | undefined,
): AliasRouting {
  const routing: AliasRouting = { version, weights: {}, strategy: {} };
  for (const [extra, weight] of Object.entries(weights ?? {})) {
    assertAdditionalVersion(version, extra);
    if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > 100)
      throw new FgsError(
        'FSS.1092',
        `Invalid additional_version_weights.${extra}: the weight must be an integer from 0 to 100`,
      );
    routing.weights[extra] = weight;
  }
  for (const [extra, raw] of Object.entries(strategy ?? {})) {
    assertAdditionalVersion(version, extra);
    const parsed = versionStrategySchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = ['additional_version_strategy', extra, ...(issue?.path ?? []).map(String)].join('.');
      throw new FgsError('FSS.1091', `Invalid parameter ${where}: ${issue?.message ?? 'malformed'}`);
    }
    routing.strategy[extra] = { rules: parsed.data.rules, combine_type: parsed.data.combine_type ?? 'and' };
  }
  if (additionalVersionsOf(routing).length > ALIAS_LIMITS.additionalVersions)
    throw new FgsError(
      'FSS.1091',
      `An alias routes to at most ${ALIAS_LIMITS.additionalVersions} additional version besides its main version`,
    );
  return routing;
}

/** The versions besides the main one that the alias may send requests to, sorted. */
export function additionalVersionsOf(routing: Pick<AliasRouting, 'weights' | 'strategy'>): string[] {
  return [...new Set([...Object.keys(routing.weights), ...Object.keys(routing.strategy)])].sort();
}

function assertAdditionalVersion(main: string, extra: string): void {
  if (!isPublishableVersionName(extra))
    throw new FgsError(
      'FSS.1091',
      isLatestVersion(extra)
        ? 'latest cannot be an additional version: publish a version first'
        : `Invalid additional version ${extra.slice(0, 64)}`,
    );
  if (extra === main)
    throw new FgsError('FSS.1093', `The additional version ${extra} is the alias's main version`);
}

/**
 * The version one request through the alias runs: the first additional version whose rules match the request,
 * else a weighted draw (`random()` uniform in [0, 1) against the percentages), else the main version.
 */
export function pickAliasVersion(
  routing: AliasRouting,
  headers: RouteHeaders,
  random: () => number = Math.random,
): string {
  for (const extra of Object.keys(routing.strategy).sort()) {
    if (strategyMatches(routing.strategy[extra], headers)) return extra;
  }
  let roll = random() * 100;
  for (const extra of Object.keys(routing.weights).sort()) {
    const weight = routing.weights[extra];
    if (roll < weight) return extra;
    roll -= weight;
  }
  return routing.version;
}

/** Whether a request satisfies a strategy: every rule (`and`) or any rule (`or`). */
export function strategyMatches(strategy: VersionStrategy, headers: RouteHeaders): boolean {
  const results = strategy.rules.map((rule) => {
    const actual =
      rule.rule_type === 'header' ? headerValues(headers, rule.param) : cookieValues(headers, rule.param);
    const wanted = rule.op === 'in' ? splitList(rule.value) : [rule.value];
    return actual.some((value) => wanted.includes(value));
  });
  return strategy.combine_type === 'or' ? results.some(Boolean) : results.every(Boolean);
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function rawHeader(headers: RouteHeaders, name: string): string[] {
  const wanted = name.toLowerCase();
  const out: string[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    out.push(...(Array.isArray(value) ? value : [value]));
  }
  return out;
}

/** A header's values: each occurrence whole, and each element of a comma-joined repetition. */
function headerValues(headers: RouteHeaders, name: string): string[] {
  const raw = rawHeader(headers, name).map((v) => v.trim());
  return [...new Set([...raw, ...raw.flatMap(splitList)])];
}

function cookieValues(headers: RouteHeaders, name: string): string[] {
  const values: string[] = [];
  for (const header of rawHeader(headers, 'cookie')) {
    for (const pair of header.split(';')) {
      const eq = pair.indexOf('=');
      if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
      const value = pair.slice(eq + 1).trim();
      values.push(value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value);
    }
  }
  return values;
}
