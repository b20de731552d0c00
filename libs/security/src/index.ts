export * from './signing/canonical-request';
export * from './signing/sdk-signer';
export * from './signing/signature-verifier';
export * from './crypto/master-key';
export * from './crypto/secret-cipher';
export * from './crypto/password-hasher';
export * from './crypto/secret-generator';
export * from './tokens/token-service';
