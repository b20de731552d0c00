import { z } from 'zod';
import { ErrorCode } from '../errors/error-code';
import { RUNTIMES } from '../functions/runtimes';

/** Dependency limits of spec §2.10 and FunctionGraph's user guide. */
export const DEPENDENCY_LIMITS = {
  nameChars: 96,
  descriptionChars: 512,
  /** Dependency versions one function may reference (console limit, spec §6). */
  perFunction: 20,
  /** Files in one dependency package (FunctionGraph's user guide). */
  zipEntries: 30_000,
} as const;

/** ≤ 96 characters, a letter first, a letter or digit last, letters, digits, `_`, `.`, `-` in between. */
export const DEPENDENCY_NAME_PATTERN = /^[A-Za-z]([A-Za-z0-9_.-]{0,94}[A-Za-z0-9])?$/;

export const DEPEND_TYPES = ['zip', 'obs'] as const;
export type DependType = (typeof DEPEND_TYPES)[number];

const dependencyRuntimeSchema = z.enum(
  Object.keys(RUNTIMES) as [keyof typeof RUNTIMES, ...(keyof typeof RUNTIMES)[]],
);

/** Body of create, create-version and update (`CreateDependencyRequestBody`); `depend_type` is checked by the service. */
export const dependencyBodySchema = z
  .object({
    depend_type: z.string(),
    depend_file: z.string().optional(),
    depend_link: z.string().max(2048).optional(),
    runtime: dependencyRuntimeSchema,
    name: z.string().regex(DEPENDENCY_NAME_PATTERN),
    description: z.string().max(DEPENDENCY_LIMITS.descriptionChars).optional(),
    /** Extension: an installation administrator publishes a dependency every tenant can read (`owner: public`). */
    is_public: z.boolean().optional(),
  })
  .strip();
export type DependencyBody = z.infer<typeof dependencyBodySchema>;

/** Which FunctionGraph error code a failing dependency body field maps to; anything else is FSS.0400. */
export const DEPENDENCY_FIELD_ERRORS: Record<string, ErrorCode> = {
  depend_type: 'FSS.1032',
  depend_file: 'FSS.1024',
  depend_link: 'FSS.1010',
  runtime: 'FSS.1005',
  name: 'FSS.1024',
  description: 'FSS.1019',
  is_public: 'FSS.1024',
};
