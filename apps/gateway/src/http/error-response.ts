import type { Response } from 'express';
import { errorBody } from '@ofg/contracts';

/** Writes FunctionGraph's `{error_code, error_msg}` body; used where Nest's exception filter cannot run (raw middleware). */
export function sendFgsError(res: Response, status: number, code: string, message: string): void {
  res.status(status);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(errorBody(code, message)));
}
