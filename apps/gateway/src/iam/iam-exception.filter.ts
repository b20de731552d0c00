import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { IamError } from './iam-error';

/** Renders IamError for the IAM controllers; other errors fall through to the global filter. */
@Catch(IamError)
export class IamExceptionFilter implements ExceptionFilter<IamError> {
  catch(error: IamError, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<Response>().status(error.status).json(error.toBody());
  }
}
