import type { CanActivate, ExecutionContext } from '@nestjs/common';
import express, { Request, Response } from 'express';
import request from 'supertest';
import { FgsError } from '@ofg/contracts';
import { FgsAuthContext, FgsRequest } from '../common/fgs-request';
import { FgsExceptionFilter } from '../http/fgs-exception.filter';
import { rawBodyMiddleware } from '../http/raw-body.middleware';
import { invokeFastLane } from './invoke-fast-lane';
import { InvocationsController } from './invocations.controller';

const AUTH: FgsAuthContext = {
  projectId: 'p1',
  domainId: 'd1',
  userId: 'u1',
  method: 'token',
};
const URN = 'urn:fss:local:p1:function:default:hello:latest';
const PATH = `/v2/p1/fgs/functions/${encodeURIComponent(URN)}/invocations`;

function lane(guards: CanActivate[]) {
  const calls: string[] = [];
  const logged: number[] = [];
  const invoked: { urn: string; body: string; requestId: unknown }[] = [];
  const app = express();
  app.use(
    invokeFastLane({
      rawBody: rawBodyMiddleware({ maxBytes: 64 }),
      filter: new FgsExceptionFilter(),
      guards,
      controller: {
        invoke: async (auth, urn, req: FgsRequest, res: Response) => {
          expect(auth).toBe(AUTH);
          invoked.push({ urn, body: req.rawBody?.toString() ?? '', requestId: req.headers['x-request-id'] });
          res.status(200).json({ ok: true });
        },
      },
      log: (_req, res) => logged.push(res.statusCode),
    }),
  );
  // What the lane leaves alone reaches the rest of the app.
  app.use((req: Request, res: Response) => {
    calls.push(`${req.method} ${req.url}`);
    res.status(299).end();
  });
  return { app, calls, logged, invoked };
}

const authenticates = (order: string[], name: string): CanActivate => ({
  canActivate: (context: ExecutionContext) => {
    order.push(name);
    // The guards see the route's controller and handler, as their metadata (public, action) hangs there.
    expect(context.getClass()).toBe(InvocationsController);
    expect(context.getHandler()).toBe(InvocationsController.prototype.invoke);
    context.switchToHttp().getRequest<FgsRequest>().fgsAuth = AUTH;
    return Promise.resolve(true);
  },
});

describe('invokeFastLane', () => {
  it('serves the canonical route: request id, body, guards in order, decoded URN, one access log line', async () => {
    const order: string[] = [];
    const { app, invoked, logged, calls } = lane([
      authenticates(order, 'auth'),
      authenticates(order, 'permission'),
    ]);
    const res = await request(app).post(PATH).set('Content-Type', 'application/json').send('{"n":1}');
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(order).toEqual(['auth', 'permission']);
    expect(invoked).toEqual([{ urn: URN, body: '{"n":1}', requestId: res.headers['x-request-id'] }]);
    expect(logged).toEqual([200]);
    expect(calls).toEqual([]);
  });

  it.each([
    ['GET', PATH],
    ['POST', `/v2/p1/fgs/functions/${URN}/invocations-async`],
    ['POST', `/v2/p1/fgs/functions/${URN}/invocations/`],
    ['POST', `/v2/p1/fgs//functions/${URN}/invocations`],
    ['POST', `/V2/p1/fgs/functions/${URN}/invocations`],
    ['POST', `/v2/p1/fgs/functions/%E0%A4%A/invocations`],
  ])('leaves %s %s to the Nest routes', async (method, path) => {
    const { app, calls, invoked } = lane([authenticates([], 'auth')]);
    const res = await (method === 'GET' ? request(app).get(path) : request(app).post(path));
    expect(res.status).toBe(299);
    expect(calls).toEqual([`${method} ${path}`]);
    expect(invoked).toEqual([]);
  });

  it("answers a guard's FgsError with FunctionGraph's error body and status", async () => {
    const { app, invoked, logged } = lane([
      {
        canActivate: () => Promise.reject(new FgsError('FSS.0429', 'Too many requests')),
      },
    ]);
    const res = await request(app).post(PATH).set('Content-Type', 'application/json').send('{}');
    expect(res.status).toBe(429);
    expect(res.body).toEqual({ error_code: 'FSS.0429', error_msg: 'Too many requests' });
    expect(invoked).toEqual([]);
    expect(logged).toEqual([429]);
  });

  it('answers 403 when a guard refuses without an error, as Nest does', async () => {
    const { app, invoked } = lane([{ canActivate: () => false }]);
    const res = await request(app).post(PATH).set('Content-Type', 'application/json').send('{}');
    expect(res.status).toBe(403);
    expect(res.body.error_code).toBe('FSS.0403');
    expect(invoked).toEqual([]);
  });

  it('still ends the request with a 500 when the exception filter itself fails', async () => {
    const app = express();
    app.use(
      invokeFastLane({
        rawBody: rawBodyMiddleware({ maxBytes: 64 }),
        filter: {
          catch: () => {
            throw new Error('filter broke');
          },
        },
        guards: [{ canActivate: () => Promise.reject(new Error('guard broke')) }],
        controller: { invoke: async () => undefined },
        log: () => undefined,
      }),
    );
    const res = await request(app).post(PATH).set('Content-Type', 'application/json').send('{}');
    expect(res.status).toBe(500);
  });

  it('refuses a body over the limit before any guard runs', async () => {
    const order: string[] = [];
    const { app, invoked } = lane([authenticates(order, 'auth')]);
    const res = await request(app)
      .post(PATH)
      .set('Content-Type', 'application/json')
      .send(`"${'x'.repeat(100)}"`);
    expect(res.status).toBe(413);
    expect(order).toEqual([]);
    expect(invoked).toEqual([]);
  });
});
