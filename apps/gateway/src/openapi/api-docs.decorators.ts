import { applyDecorators } from '@nestjs/common';
import { ApiParam, ApiSecurity } from '@nestjs/swagger';
import { AKSK_SECURITY, TOKEN_SECURITY } from './openapi.setup';

/** Token or AK/SK signature: either scheme authenticates a FunctionGraph route. */
export function ApiFgsAuth(): MethodDecorator & ClassDecorator {
  return applyDecorators(ApiSecurity(TOKEN_SECURITY), ApiSecurity(AKSK_SECURITY));
}

export function ApiProjectParam(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiParam({
      name: 'project_id',
      description: "Project (tenant) id; must be the caller's project",
      type: String,
    }),
  );
}

export function ApiFunctionUrnParam(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiParam({
      name: 'function_urn',
      type: String,
      description:
        'Function URN: `urn:fss:<region>:<project_id>:function:<package>:<name>[:<version>|:!<alias>]` or a short form ' +
        '(`<name>`, `<package>:<name>`, `<project_id>:<package>:<name>[:<qualifier>]`)',
    }),
  );
}
