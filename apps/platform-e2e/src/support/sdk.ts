import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { Logger4jInstance } from '@huaweicloud/huaweicloud-sdk-core/logger/log4jLogger';
import {
  CreateFunctionRequestBody,
  FuncCode,
  FunctionGraphClient,
} from '@huaweicloud/huaweicloud-sdk-functiongraph';
import { StackInfo } from '@ofg/testing';
import { zipBase64 } from './code-fixtures';

/** The unchanged official SDK pointed at the gateway: AK/SK, plain-http endpoint, explicit project id. */
export function officialSdkClient(stack: StackInfo): FunctionGraphClient {
  // The SDK dumps every failed request to stdout; negative cases are expected here.
  Logger4jInstance.level = 'off';
  const credentials = new BasicCredentials().withAk(stack.ak).withSk(stack.sk).withProjectId(stack.projectId);
  return FunctionGraphClient.newBuilder()
    .withCredential(credentials)
    .withEndpoint(stack.gatewayUrl)
    .withOptions({ customUserAgent: 'openfunctiongraph-e2e' })
    .build();
}

/** What the SDK throws for non-2xx answers. */
export interface SdkError {
  httpStatusCode: number;
  errorCode?: string;
  errorMsg?: string;
}

export async function sdkFailure(call: Promise<unknown>): Promise<SdkError> {
  try {
    await call;
  } catch (err) {
    return err as SdkError;
  }
  throw new Error('expected the SDK call to fail');
}

/** The SDK body of a Node.js 20 function (128 MB, 30 s) whose zip holds one `index.js`. */
export async function sdkNodeFunctionBody(name: string, source: string): Promise<CreateFunctionRequestBody> {
  return new CreateFunctionRequestBody()
    .withFuncName(name)
    .withPackage('default')
    .withRuntime('Node.js20.15')
    .withTimeout(30)
    .withHandler('index.handler')
    .withMemorySize(128)
    .withCodeType('zip')
    .withCodeFilename('index.zip')
    .withFuncCode(new FuncCode().withFile(await zipBase64({ 'index.js': source })));
}
