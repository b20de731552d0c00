import { SOURCES } from '../support/code-fixtures';
import { FgsClient } from '../support/fgs-client';
import { deployFunction, invokeV1 } from '../support/functions';

describe('operational surfaces of every app', () => {
  const http = new FgsClient();
  const apps = {
    gateway: http.stack.gatewayUrl,
    invoker: http.stack.invokerUrl,
    trigger: http.stack.triggerUrl,
  };

  it.each(Object.entries(apps))('%s serves /health/live, /health/ready and /metrics', async (_name, url) => {
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${url}/health/ready`);
    expect(ready.status).toBe(200);
    const checks = ((await ready.json()) as { checks: Record<string, { status: string }> }).checks;
    expect(Object.keys(checks).length).toBeGreaterThanOrEqual(2);
    expect(Object.values(checks).every((c) => c.status === 'up')).toBe(true);
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('process_cpu_user_seconds_total');
  });

  it('serves the OpenAPI document with the FunctionGraph paths at /docs', async () => {
    const ui = await fetch(`${http.stack.gatewayUrl}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
    const doc = (await (await fetch(`${http.stack.gatewayUrl}/docs-json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of [
      '/v2/{project_id}/fgs/functions',
      '/v2/{project_id}/fgs/functions/{function_urn}/config',
      '/v2/{project_id}/fgs/functions/{function_urn}/code',
      '/v2/{project_id}/fgs/functions/{function_urn}/invocations',
      '/v2/{project_id}/fgs/functions/{function_urn}/invocations-async',
      '/v2/{project_id}/fgs/triggers/{function_urn}',
      '/v2/{project_id}/fgs/triggers/{function_urn}/{trigger_type_code}/{trigger_id}',
      '/v3/auth/tokens',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
  });

  it('counts invocations and cold starts in the invoker metrics', async () => {
    const urn = await deployFunction(http, `metered-${Date.now().toString(36)}`, SOURCES.hostname);
    expect((await invokeV1(http, urn, {}, false)).json.status).toBe(200);
    const text = await (await fetch(`${http.stack.invokerUrl}/metrics`)).text();
    expect(text).toMatch(/ofg_invocations_total\{[^}]*outcome="success"[^}]*\} [1-9]/);
    expect(text).toMatch(/ofg_cold_start_duration_seconds_count [1-9]/);
  });
});
