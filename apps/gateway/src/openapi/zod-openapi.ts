import type { SchemaObject } from '@nestjs/swagger';
import { z } from 'zod';

/** An OpenAPI 3.0 schema for a request body, generated from the same zod schema that validates it. */
export function bodySchemaOf(schema: z.ZodType): SchemaObject {
  const json = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  delete json['$schema'];
  return json as SchemaObject;
}
