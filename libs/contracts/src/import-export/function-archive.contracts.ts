import { z } from 'zod';
import { ErrorCode } from '../errors/error-code';
import { funcNameSchema, packageSchema } from '../functions/function.schemas';
import { LIMITS } from '../functions/runtimes';

/**
 * The export archive: a zip holding `<func_name>.yaml`, the function's configuration (FunctionGraph field names,
 * written as JSON, which is YAML's flow style) and `<func_name>.zip` (or `.jar`), its code package byte for byte.
 * Import reads the same layout.
 */
export const FUNCTION_ARCHIVE = {
  /** Written into the configuration as `format`; import accepts files without it too. */
  format: 'openfunctiongraph.function/v1',
  configExtensions: ['.yaml', '.yml'],
  codeExtensions: ['.zip', '.jar'],
  /** The configuration file, FSS.1023 above it. */
  maxConfigBytes: 1024 * 1024,
  /** The whole archive: the code-package limit plus room for the configuration (FSS.1071 above it). */
  maxArchiveBytes: LIMITS.zipCodeBytes + 1024 * 1024,
  /** Entries an archive may hold (it needs two). */
  maxEntries: 16,
} as const;

/** Query of `GET .../export`: `config`/`code` booleans, or the compatibility `type` (`code` or `config`) alone. */
export const EXPORT_TYPES = ['code', 'config'] as const;

/** Body of `POST .../functions/import` (`ImportFunctionRequestBody`). */
export const importFunctionSchema = z
  .object({
    func_name: funcNameSchema,
    file_name: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[^/\\\0]+$/),
    file_type: z.string(),
    file_code: z.string().min(1),
    package: packageSchema.optional(),
  })
  .strip();
export type ImportFunctionBody = z.infer<typeof importFunctionSchema>;

export const IMPORT_FIELD_ERRORS: Record<string, ErrorCode> = {
  func_name: 'FSS.1002',
  file_type: 'FSS.1013',
  file_code: 'FSS.1011',
  package: 'FSS.1004',
};
