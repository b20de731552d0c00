/** Runtime names the API accepts (spec §2.3 and SDK enum §3.1), mapped to the runtime family that runs them. */
export const RUNTIMES = {
  'Node.js6.10': 'nodejs',
  'Node.js8.10': 'nodejs',
  'Node.js10.16': 'nodejs',
  'Node.js12.13': 'nodejs',
  'Node.js14.18': 'nodejs',
  'Node.js16.17': 'nodejs',
  'Node.js18.15': 'nodejs',
  'Node.js20.15': 'nodejs',
  'Python2.7': 'python',
  'Python3.6': 'python',
  'Python3.9': 'python',
  'Python3.10': 'python',
  'Python3.12': 'python',
  Java8: 'java',
  Java11: 'java',
  Java17: 'java',
  'Go1.8': 'go',
  'Go1.x': 'go',
  'C#(.NET Core 2.0)': 'dotnet',
  'C#(.NET Core 2.1)': 'dotnet',
  'C#(.NET Core 3.1)': 'dotnet',
  'C#(.NET Core 6.0)': 'dotnet',
  'PHP7.3': 'php',
  'PHP8.3': 'php',
  'Cangjie1.0': 'cangjie',
  Custom: 'custom',
  http: 'http',
  'Custom Image': 'custom-image',
} as const;

export type RuntimeName = keyof typeof RUNTIMES;
export type RuntimeFamily = (typeof RUNTIMES)[RuntimeName];

export function isRuntimeName(value: unknown): value is RuntimeName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(RUNTIMES, value);
}

/** The 13 memory sizes FunctionGraph offers, in MB. */
export const MEMORY_SIZES_MB = [
  128, 256, 512, 768, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096,
] as const;

/** CPU in millicores from the spec's formula: memory / 128 × 100 + 200. */
export function cpuMillicoresFor(memoryMb: number): number {
  return (memoryMb / 128) * 100 + 200;
}

export const TIMEOUT_RANGE_S = { min: 3, max: 900 } as const;
export const INITIALIZER_TIMEOUT_RANGE_S = { min: 1, max: 300 } as const;

/** Size limits of code packages and payloads, in bytes. */
export const LIMITS = {
  inlineCodeBytes: 10 * 1024,
  zipCodeBytes: 50 * 1024 * 1024,
  unzippedCodeBytes: 500 * 1024 * 1024,
  zipEntries: 10_000,
  syncPayloadBytes: 6 * 1024 * 1024,
  asyncPayloadBytes: 256 * 1024,
  signedBodyBytes: 12 * 1024 * 1024,
  userDataEntries: 20,
  userDataBytes: 4096,
  descriptionChars: 512,
  logTailBytes: 4096,
} as const;
