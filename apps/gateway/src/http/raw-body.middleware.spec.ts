import express from 'express';
import request from 'supertest';
import { FgsRequest } from '../common/fgs-request';
import { isJsonContentType, rawBodyMiddleware } from './raw-body.middleware';

function app(maxBytes = 64): express.Express {
  const a = express();
  a.use(rawBodyMiddleware({ maxBytes }));
  a.all('/{*rest}', (req, res) => {
    const r = req as FgsRequest;
    res.json({ raw: r.rawBody?.toString('utf8'), body: r.body ?? null, length: r.rawBody?.length });
  });
  return a;
}

describe('rawBodyMiddleware', () => {
  it('keeps the exact bytes and parses JSON', async () => {
    const res = await request(app())
      .post('/v2/p/fgs/functions')
      .set('Content-Type', 'application/json')
      .send('{ "a" : 1 }');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ raw: '{ "a" : 1 }', body: { a: 1 }, length: 11 });
  });

  it('parses a body without Content-Type as JSON', async () => {
    const res = await request(app()).post('/v2/x').send(Buffer.from('"hello"')).unset('Content-Type');
    expect(res.body.body).toBe('hello');
  });

  it('leaves an empty body undefined with an empty rawBody', async () => {
    const res = await request(app()).get('/v2/x').set('Content-Type', 'application/json');
    expect(res.body).toEqual({ raw: '', body: null, length: 0 });
  });

  it('answers malformed JSON with 400 FSS.0400', async () => {
    const res = await request(app()).post('/v2/x').set('Content-Type', 'application/json').send('{"a":');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error_code: 'FSS.0400', error_msg: 'The request body is not valid JSON' });
  });

  it('answers other content types on /v2 with 415 but lets them through elsewhere', async () => {
    const v2 = await request(app()).post('/v2/x').set('Content-Type', 'text/plain').send('hi');
    expect(v2.status).toBe(415);
    expect(v2.body.error_code).toBe('FSS.0415');
    const other = await request(app()).post('/v3/x').set('Content-Type', 'text/plain').send('hi');
    expect(other.status).toBe(200);
    expect(other.body).toEqual({ raw: 'hi', body: null, length: 2 });
  });

  it('answers 413 FSS.0413 when the declared or streamed size is over the limit', async () => {
    const declared = await request(app(10))
      .post('/v2/x')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ a: 'x'.repeat(20) }));
    expect(declared.status).toBe(413);
    expect(declared.body.error_code).toBe('FSS.0413');
    const r = request(app(10))
      .post('/v2/x')
      .set('Content-Type', 'application/json')
      .set('Transfer-Encoding', 'chunked');
    r.write('{"a":"');
    r.write('x'.repeat(50));
    const streamed = await r;
    expect(streamed.status).toBe(413);
  });
});

describe('isJsonContentType', () => {
  it.each([
    [undefined, true],
    ['application/json', true],
    ['application/json;charset=UTF-8', true],
    ['application/merge-patch+json', true],
    ['text/plain', false],
    ['application/jsonx', false],
  ])('%s → %s', (type, expected) => {
    expect(isJsonContentType(type)).toBe(expected);
  });
});
