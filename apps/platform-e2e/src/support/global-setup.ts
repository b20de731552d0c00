import './register-aliases';
import { startStack } from '@ofg/testing';

/** Jest global setup: a fresh stack for the end-to-end suite. */
export default async function globalSetup(): Promise<void> {
  await startStack();
}
