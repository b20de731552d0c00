import './register-aliases';
import { stopStack } from '@ofg/testing';

/** Jest global teardown: stop the apps and sweep containers. */
export default async function globalTeardown(): Promise<void> {
  await stopStack();
}
