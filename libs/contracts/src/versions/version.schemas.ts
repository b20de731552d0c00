import { z } from 'zod';
import { ErrorCode } from '../errors/error-code';
import { LIMITS } from '../functions/runtimes';

/** Version and alias limits (FunctionGraph user guide "Aliases", spec §2.9). */
export const ALIAS_LIMITS = {
  /** Aliases one function may have (FSS.1043 above it). */
  perFunction: 10,
  /** Versions besides the main one an alias may route to ("at most two versions per alias"). */
  additionalVersions: 1,
  /** Rules one `additional_version_strategy` entry may hold. */
  rulesPerStrategy: 10,
} as const;

/** A published version name: 1–64 of letters, digits, `.`, `_`, `-`, a letter or digit first (the URN qualifier grammar). */
export const VERSION_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** An alias name: ≤ 63 of letters, digits, `_`, `-`, a letter first and a letter or digit last (user guide). */
export const ALIAS_NAME_PATTERN = /^[A-Za-z]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$/;
/** The head every create/update call changes; it is not a published version and cannot be published under that name. */
export const LATEST = 'latest';

export function isLatestVersion(name: string | undefined): boolean {
  return name === undefined || name.toLowerCase() === LATEST;
}

/** A name a version may be published under (`latest`, in any case, is the head's). */
export function isPublishableVersionName(name: string): boolean {
  return VERSION_NAME_PATTERN.test(name) && !isLatestVersion(name);
}

/** Body of `POST …/versions` (SDK CreateFunctionVersionRequestBody). */
export const publishVersionSchema = z
  .object({
    /** SHA-512 of latest's code package the caller expects to publish (optimistic concurrency). */
    digest: z.string().max(128).optional(),
    version: z
      .string()
      .refine(isPublishableVersionName, 'letters, digits, ".", "_" or "-", 1-64 long, not "latest"')
      .optional(),
    description: z.string().max(LIMITS.descriptionChars).optional(),
  })
  .strip();
export type PublishVersionBody = z.infer<typeof publishVersionSchema>;

/** One rule of `additional_version_strategy` (SDK VersionStrategyRules). */
export const versionStrategyRuleSchema = z
  .object({
    rule_type: z.enum(['header', 'cookie']),
    /** Header or cookie name; header names match case-insensitively, cookie names exactly. */
    param: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'an HTTP token'),
    op: z.enum(['=', 'in']),
    /** `=`: the exact value; `in`: comma-separated values, any of which matches. */
    value: z.string().min(1).max(1024),
  })
  .strip();
export type VersionStrategyRule = z.infer<typeof versionStrategyRuleSchema>;

/** SDK VersionStrategy: `and` (the default) needs every rule to match, `or` any one. */
export const versionStrategySchema = z
  .object({
    rules: z.array(versionStrategyRuleSchema).min(1).max(ALIAS_LIMITS.rulesPerStrategy),
    combine_type: z.enum(['and', 'or']).optional(),
  })
  .strip();
export type VersionStrategy = z.infer<typeof versionStrategySchema>;

const aliasRoutingFields = {
  version: z.string().min(1).max(64),
  description: z.string().max(LIMITS.descriptionChars).optional(),
  // Shapes only: the keys and numbers get their own error codes (FSS.1091/1092/1093) in normaliseAliasRouting.
  additional_version_weights: z.record(z.string(), z.unknown()).nullable().optional(),
  additional_version_strategy: z.record(z.string(), z.unknown()).nullable().optional(),
};

/** Body of `POST …/aliases` (SDK CreateVersionAliasRequestBody). */
export const createAliasSchema = z
  .object({ name: z.string().regex(ALIAS_NAME_PATTERN), ...aliasRoutingFields })
  .strip();
export type CreateAliasBody = z.infer<typeof createAliasSchema>;

/** Body of `PUT …/aliases/{alias_name}` (SDK UpdateVersionAliasRequestBody). */
export const updateAliasSchema = z.object(aliasRoutingFields).strip();
export type UpdateAliasBody = z.infer<typeof updateAliasSchema>;

/** Which FunctionGraph error code a failing version or alias body field maps to; anything else is FSS.0400. */
export const VERSION_FIELD_ERRORS: Record<string, ErrorCode> = {
  name: 'FSS.1014',
  version: 'FSS.1015',
  description: 'FSS.1019',
  additional_version_weights: 'FSS.1092',
  additional_version_strategy: 'FSS.1091',
};
