import express from 'express';
import { allowedMethodsFrom } from './route-methods';

describe('allowedMethodsFrom', () => {
  const app = express();
  app.get('/v2/:project_id/fgs/functions', (_req, res) => res.end());
  app.post('/v2/:project_id/fgs/functions', (_req, res) => res.end());
  app.delete('/v2/:project_id/fgs/functions/:function_urn', (_req, res) => res.end());
  app.all('/v2/:project_id/fgs/functions', (_req, _res, next) => next());
  const lookup = allowedMethodsFrom(app);

  it('lists the methods of routes matching the path', () => {
    expect(lookup('/v2/p/fgs/functions')).toEqual(['GET', 'POST']);
    expect(lookup('/v2/p/fgs/functions/urn:fss:local:p:function:default:f')).toEqual(['DELETE']);
  });

  it('is empty for unknown paths', () => {
    expect(lookup('/v2/p/fgs/nothing')).toEqual([]);
    expect(allowedMethodsFrom(undefined)('/x')).toEqual([]);
  });
});
