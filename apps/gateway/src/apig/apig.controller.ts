import { All, Controller, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/public.decorator';
import { FgsRequest, requestIdOf } from '../common/fgs-request';
import { ApigService } from './apig.service';

/**
 * The APIs of APIG-type triggers: `/apig/{project_id}/{group_id}/{path...}`, any method. Authentication is the
 * API's own (NONE or IAM), applied by the service, so the route is public to the global guards.
 */
@ApiExcludeController()
@Public()
@Controller()
export class ApigController {
  constructor(private readonly apig: ApigService) {}

  @All('apig/:project_id/:group_id{/*path}')
  async serve(@Req() req: FgsRequest, @Res() res: Response): Promise<void> {
    const target = req.originalUrl ?? req.url;
    const queryAt = target.indexOf('?');
    const rawPath = queryAt < 0 ? target : target.slice(0, queryAt);
    // The API path is the raw (still percent-encoded) remainder below /apig/{project_id}/{group_id}.
    const segments = rawPath.split('/');
    const answer = await this.apig.serve({
      projectId: decodeSegment(segments[2] ?? ''),
      groupId: decodeSegment(segments[3] ?? ''),
      request: {
        method: req.method,
        path: `/${segments.slice(4).join('/')}`,
        query: queryAt < 0 ? '' : target.slice(queryAt + 1),
        headers: req.headers,
        body: req.rawBody ?? Buffer.alloc(0),
        sourceIp: (req.ip ?? req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
        protocol: req.protocol,
      },
      authRequest: req,
      requestId: requestIdOf(req),
    });
    res.status(answer.status);
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    res.end(answer.body);
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
