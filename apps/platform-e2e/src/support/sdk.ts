import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { Logger4jInstance } from '@huaweicloud/huaweicloud-sdk-core/logger/log4jLogger';
import { FunctionGraphClient } from '@huaweicloud/huaweicloud-sdk-functiongraph';
import { StackInfo } from '@ofg/testing';

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
