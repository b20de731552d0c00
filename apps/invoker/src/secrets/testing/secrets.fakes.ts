import { FunctionSnapshot, RuntimeCredentials } from '@ofg/contracts';
import { FunctionSecrets } from '../function-secrets.loader';

/** Stand-in for FunctionSecretsLoader: per-function secrets set by the test, none by default; counts loads. */
export class FakeSecretsProvider {
  readonly byFunction = new Map<string, FunctionSecrets>();
  loads = 0;
  failWith: Error | undefined;

  async load(snapshot: FunctionSnapshot): Promise<FunctionSecrets> {
    this.loads += 1;
    if (this.failWith) throw this.failWith;
    return this.byFunction.get(snapshot.functionId) ?? { env: {}, agency: '' };
  }
}

/** Stand-in for AgencyCredentialsService: hands out numbered credentials per agency, or fails when told to. */
export class FakeCredentialsProvider {
  readonly calls: Array<{ functionId: string; agency: string }> = [];
  failWith: Error | undefined;

  async forFunction(snapshot: FunctionSnapshot, agency: string): Promise<RuntimeCredentials> {
    this.calls.push({ functionId: snapshot.functionId, agency });
    if (this.failWith) throw this.failWith;
    const n = this.calls.length;
    return { accessKey: `AK${n}`, secretKey: `SK${n}`, securityToken: `ST${n}`, authToken: `TOKEN${n}` };
  }
}
