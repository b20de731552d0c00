import { Body, Controller, HttpCode, Post, Res, UseFilters } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../auth/public.decorator';
import { IamExceptionFilter } from './iam-exception.filter';
import { TokenResponseBody } from './iam.schemas';
import { IamService } from './iam.service';

/** IAM `POST /v3/auth/tokens`: the token comes back in the `X-Subject-Token` header. */
@Public()
@UseFilters(IamExceptionFilter)
@Controller('v3/auth/tokens')
export class TokensController {
  constructor(private readonly iam: IamService) {}

  @Post()
  @HttpCode(201)
  async create(@Body() body: unknown, @Res({ passthrough: true }) res: Response): Promise<TokenResponseBody> {
    const issued = await this.iam.issueToken(body);
    res.setHeader('X-Subject-Token', issued.subjectToken);
    return issued.body;
  }
}
