import { Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { FGS_ACTIONS } from '@ofg/contracts';
import type { Response } from 'express';
import { Action } from '../authz/action.decorator';
import { Auth } from '../common/auth-context.decorator';
import { FgsAuthContext, FgsRequest, requestIdOf } from '../common/fgs-request';
import { ApiFgsAuth, ApiFunctionUrnParam, ApiProjectParam } from '../openapi/api-docs.decorators';
import { InvocationsService, InvokeRequest } from './invocations.service';

const EVENT_BODY = {
  schema: {
    type: 'object',
    additionalProperties: true,
    description: 'The event: any JSON value (empty means {})',
  },
} as const;

function invokeRequest(req: FgsRequest, urn: string): InvokeRequest {
  return { urn, rawBody: req.rawBody ?? Buffer.alloc(0), headers: req.headers, requestId: requestIdOf(req) };
}

@ApiTags('Invocations')
@ApiFgsAuth()
@ApiProjectParam()
@ApiFunctionUrnParam()
@Controller('v2/:project_id/fgs/functions/:function_urn')
export class InvocationsController {
  constructor(private readonly invocations: InvocationsService) {}

  @Post('invocations')
  @ApiOperation({
    summary: 'Invoke a function synchronously',
    description: 'Function errors and timeouts are HTTP 200 with `X-Is-Func-Err: true`.',
  })
  @ApiHeader({
    name: 'X-Cff-Log-Type',
    required: false,
    description: '`tail` returns the last 4 KB of the log (X-Cff-Function-Log, Base64)',
  })
  @ApiHeader({
    name: 'X-CFF-Request-Version',
    required: false,
    description: '`v0` (raw result, default) or `v1` (`{request_id,result,log,status}`)',
  })
  @ApiBody(EVENT_BODY)
  @ApiResponse({ status: 200, description: 'The function result (v0) or the v1 envelope' })
  @ApiResponse({ status: 429, description: 'FSS.0429: function disabled' })
  @Action(FGS_ACTIONS.functionInvoke)
  async invoke(
    @Auth() auth: FgsAuthContext,
    @Param('function_urn') urn: string,
    @Req() req: FgsRequest,
    @Res() res: Response,
  ): Promise<void> {
    const rendered = await this.invocations.invokeSync(auth, invokeRequest(req, urn));
    // Written directly: res.send would hash the body for an ETag no client of a POST uses.
    res.statusCode = rendered.status;
    for (const [name, value] of Object.entries(rendered.headers)) res.setHeader(name, value);
    res.setHeader('Content-Length', Buffer.byteLength(rendered.body));
    res.end(rendered.body);
  }

  @Post('invocations-async')
  @HttpCode(202)
  @ApiOperation({ summary: 'Invoke a function asynchronously' })
  @ApiBody(EVENT_BODY)
  @ApiResponse({ status: 202, description: '`{request_id}`' })
  @Action(FGS_ACTIONS.functionInvokeAsync)
  invokeAsync(
    @Auth() auth: FgsAuthContext,
    @Param('function_urn') urn: string,
    @Req() req: FgsRequest,
  ): Promise<{ request_id: string }> {
    return this.invocations.invokeAsync(auth, invokeRequest(req, urn));
  }
}
