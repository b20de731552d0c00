import { HttpException, MethodNotAllowedException, NotFoundException } from '@nestjs/common';
import { FgsError } from '@ofg/contracts';
import { renderException } from './fgs-exception.filter';

describe('renderException', () => {
  it('renders FgsError with its own status and code', () => {
    expect(renderException(new FgsError('FSS.1051'), '/x')).toEqual({
      status: 404,
      body: { error_code: 'FSS.1051', error_msg: 'Not found the function' },
    });
  });

  it('answers unknown routes with APIGW.0101', () => {
    expect(renderException(new NotFoundException('Cannot GET /nope'), '/nope')).toMatchObject({
      status: 404,
      body: { error_code: 'APIGW.0101' },
    });
  });

  it('answers 405 when another method serves the path', () => {
    const out = renderException(new NotFoundException(), '/v2/p/fgs/functions', () => ['GET', 'POST']);
    expect(out).toMatchObject({
      status: 405,
      body: { error_code: 'FSS.0405' },
      headers: { Allow: 'GET, POST' },
    });
    expect(renderException(new MethodNotAllowedException(), '/x')).toMatchObject({
      status: 405,
      body: { error_code: 'FSS.0405' },
    });
  });

  it('hides unexpected errors behind a generic 500', () => {
    const out = renderException(new Error('secret database detail'), '/x');
    expect(out).toEqual({
      status: 500,
      body: { error_code: 'FSS.0500', error_msg: 'Internal service error' },
      unexpected: true,
    });
    expect(JSON.stringify(out.body)).not.toContain('secret');
    expect(renderException(new HttpException('teapot', 418), '/x')).toMatchObject({
      status: 418,
      body: { error_code: 'FSS.0400' },
    });
  });
});
