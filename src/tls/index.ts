export {
  makeCA,
  makeServingCert,
  type MakeCAOptions,
  type MakeServingCertOptions,
  type PemPair,
} from './certs.js';
export { certificateInfo, type CertificateInfo } from './info.js';
export { TlsMaterialError, type TlsLogger, type TlsMaterial } from './material.js';
export { CertificateInputError } from './names.js';
export { SERVING_TLS_OPTIONS } from './policy.js';
export {
  openFileTlsSource,
  openSelfSignedTlsSource,
  openTlsSource,
  type FileTlsSourceOptions,
  type SelfSignedTlsSourceOptions,
  type TlsChangeListener,
  type TlsSource,
  type TlsSourceOptions,
} from './reloading.js';
export {
  createHttpsServer,
  KEEP_ALIVE_TIMEOUT_MS,
  REQUEST_TIMEOUT_MS,
  type HttpsServerOptions,
} from './server.js';
export {
  BUNDLE_FILE_NAMES,
  writeCertBundle,
  type CertBundle,
  type CertBundleRequest,
  type WrittenFile,
} from './writer.js';
