import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

export const TOKEN_SECURITY = 'X-Auth-Token';
export const AKSK_SECURITY = 'SDK-HMAC-SHA256';

/** Serves the OpenAPI document at `/docs-json` and Swagger UI at `/docs`. */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('OpenFunctionGraph API')
    .setDescription(
      'Huawei Cloud FunctionGraph v2-compatible control-plane and invocation API, plus the IAM subset clients need.',
    )
    .setVersion('v2')
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'X-Auth-Token',
        description: 'Token from POST /v3/auth/tokens (X-Subject-Token header)',
      },
      TOKEN_SECURITY,
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'Authorization',
        description:
          'AK/SK signature: `SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<h1;h2>, Signature=<hex>` plus the `X-Sdk-Date` header',
      },
      AKSK_SECURITY,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
